// What only the SQLite log store promises: a file of its own, mode 0600, WAL; and a cap that holds
// while a writer outpaces any retain timer (sizes sampled from another thread, so the peak inside
// a transaction is seen too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { openSqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.ts';
import { corpus } from './log-corpus.ts';
import { line } from './log-store-fixtures.ts';
import type { LogText } from '../../src/logs/log-store.ts';
import { textMatcher } from '../../src/logs/log-query.ts';
import { waitFor } from '../wait-for.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

void test('the log database is a file of its own: mode 0600 (its WAL too), WAL journal', async (t) => {
  const file = join(tempDir(t), 'logs.db');
  const store = openSqliteLogStore(file);
  await store.migrate();
  await store.append([line('hello')]);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(`${file}-wal`).mode & 0o777, 0o600);
  await store.close();
  const db = new Sqlite(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'incremental');
  db.close();
});

/** The largest file + WAL size seen every millisecond from a worker thread until stopped. */
function sampleSizes(file: string): { stop(): Promise<number> } {
  const worker = new Worker(
    `const { statSync } = require('node:fs');
     const { parentPort, workerData } = require('node:worker_threads');
     const size = (f) => { try { return statSync(f).size; } catch { return 0; } };
     let peak = 0;
     const timer = setInterval(() => { peak = Math.max(peak, size(workerData) + size(workerData + '-wal')); }, 1);
     parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(peak); });`,
    { eval: true, workerData: file },
  );
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (peak: number) => void worker.terminate().then(() => resolve(peak)));
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

void test('under a writer that outpaces retention, file + WAL stay within the cap plus one batch and the WAL (8 MiB)', async (t) => {
  const file = join(tempDir(t), 'logs.db');
  const cap = 8 * 1024 * 1024;
  const store = openSqliteLogStore(file, { maxBytesTotal: cap });
  await store.migrate();
  const sampler = sampleSizes(file);
  let written = 0;
  let lines = 0;
  // ~20 MB of text through an 8 MiB cap, as fast as one thread can append; no retain() call.
  for (let batch = 0; batch < 200; batch++) {
    const entries = corpus(1000, batch);
    written += entries.reduce((n, e) => n + Buffer.byteLength(e.text), 0);
    lines += entries.length;
    await store.append(entries);
  }
  const peak = await sampler.stop();
  const stats = await store.stats();
  // The margin: one batch (1000 lines, ~0.6 MB on disk) and what the WAL holds between checkpoints
  // (wal_autocheckpoint 1000 pages = 4 MiB) and during a retain's delete.
  const margin = 8 * 1024 * 1024;
  t.diagnostic(`wrote ${lines} lines, ${(written / 2 ** 20).toFixed(1)} MiB of text; peak file+WAL ${(peak / 2 ** 20).toFixed(1)} MiB; cap ${cap / 2 ** 20} MiB; now ${(stats.bytesOnDisk / 2 ** 20).toFixed(1)} MiB, ${stats.lines} lines`);
  assert.ok(written > cap * 2, 'the writer wrote several caps of text (more again on disk)');
  assert.ok(peak <= cap + margin, `peak ${peak} beyond ${cap} + ${margin}`);
  assert.ok(stats.bytesOnDisk <= cap + margin);
  assert.ok(stats.lines > 0 && stats.lines < lines);
  const newest = await store.search({ limit: 1 });
  assert.equal(newest.entries[0]?.id, stats.lastId, 'the newest lines stay');
  await store.close();
});

void test('the word index never leaves out a block holding a match: runs of a substring, prefixes, characters that fold into ASCII', async (t) => {
  const file = join(tempDir(t), 'logs.db');
  const store = openSqliteLogStore(file);
  await store.migrate();
  const special = ['İstanbul ABİC', 'KELVIN \u212Aelvin', 'ſtraße long ſ', 'xreq-1a2b yreq-1a2', 'GET /api/cart/items/42421 200', 'ETIMEDOUT 10.0.0.178:5432', 'snake_case_name', 'a.é.bcd.ef', 'foo\u0301bar', 'fooé bar', 'x\u0300y\u20DDz end'];
  // Many blocks: the special lines spread among corpus lines.
  const entries = corpus(6000, 11).map((e, i) => (i % 500 === 0 ? { ...e, text: special[(i / 500) % special.length]! } : e));
  for (let i = 0; i < entries.length; i += 1500) await store.append(entries.slice(i, i + 1500));
  // The index worker has reached every block, so the index (not the read of unindexed blocks) decides.
  await store.indexed();
  const texts = entries.map((e) => e.text);
  const queries: LogText[] = [
    { substrings: ['istanbul'] }, { substrings: ['abi\u0307c'] }, { substrings: ['.abi'] }, { substrings: ['kelvin'] }, { substrings: [' kelvin'] }, { substrings: ['\u212Aelvin'] },
    { substrings: ['straße'] }, { substrings: [' long s'] }, { substrings: ['req-1a2'] }, { substrings: ['-1a2b'] }, { substrings: ['/api/cart/items/4242'] },
    { substrings: ['ETIMEDOUT 10.0.0.17'] }, { substrings: ['e_c'] }, { substrings: ['.bcd.e'] }, { substrings: ['o\u0301bar'] }, { substrings: [' bar'] },
    { tokens: ['kelvin'] }, { tokens: ['s'] }, { tokens: ['bar'] }, { tokens: ['foo'] }, { tokens: ['snake_case_name'] }, { tokens: ['1a2'] }, { tokens: ['ef'], substrings: ['.bcd'] }, { tokens: ['z'] }, { substrings: ['\u20DDz end'] }, { tokens: ['y'] },
  ];
  for (const text of queries) {
    const match = textMatcher(text)!;
    const expected = entries.map((_, i) => i + 1).filter((id) => match(texts[id - 1]!)).reverse();
    const got = (await store.search({ text, limit: 10_000 })).entries.map((e) => e.id);
    assert.deepEqual(got, expected, JSON.stringify(text));
  }
  await store.close();
});

void test('a line is found before the word index reaches it, and the same after: a search reads the blocks past the index', async (t) => {
  const file = join(tempDir(t), 'logs.db');
  const writer = openSqliteLogStore(file);
  await writer.migrate();
  const entries = corpus(8000, 13);
  for (let i = 0; i < entries.length; i += 2000) await writer.append(entries.slice(i, i + 2000));
  await writer.indexed();
  await writer.close();
  // As if the worker had not come yet: no rows, `through` at 0.
  const words = new Sqlite(`${file}-words`);
  words.exec("delete from log_block_words; delete from log_indexed; update log_index_state set value = 0 where key = 'through'");
  words.close();
  const queries: LogText[] = [{ tokens: ['timeout'] }, { substrings: ['ETIMEDOUT 10.0.0.1'] }, { substrings: ['req-1a'] }, { tokens: ['POST'], substrings: ['/api/cart'] }];
  const expected = queries.map((text) => {
    const match = textMatcher(text)!;
    return entries.map((e, i) => ({ id: i + 1, text: e.text })).filter((e) => match(e.text)).map((e) => e.id).reverse().slice(0, 500);
  });
  const search = async (store: ReturnType<typeof openSqliteLogStore>): Promise<number[][]> =>
    Promise.all(queries.map(async (text) => (await store.search({ text, limit: 500 })).entries.map((e) => e.id)));
  // A store that only searches (no migrate, so no indexer): everything is past the index.
  const reader = openSqliteLogStore(file);
  assert.deepEqual(await search(reader), expected);
  await reader.close();
  // The writer's start rebuilds the index from the blocks; the answers stay the same.
  const again = openSqliteLogStore(file);
  await again.migrate();
  await again.indexed();
  const check = new Sqlite(`${file}-words`, { readonly: true });
  const through = check.prepare("select value from log_index_state where key = 'through'").pluck(true).get();
  const rows = check.prepare('select count(*) from log_indexed').pluck(true).get();
  check.close();
  assert.equal(through, entries.length, 'the index reached the last line');
  assert.ok(typeof rows === 'number' && rows > 1, `${String(rows)} blocks indexed`);
  assert.deepEqual(await search(again), expected);
  await again.close();
});

void test('the word index worker stops when there is nothing to index and starts again for the next lines; words it indexed before and after are found by the index', async (t) => {
  const file = join(tempDir(t), 'logs.db');
  const store = openSqliteLogStore(file, { indexIdleStopMs: 50 });
  await store.migrate();
  const inIndex = (word: string): boolean => {
    const db = new Sqlite(`${file}-words`, { readonly: true });
    try {
      return db.prepare('select count(*) from log_block_words where log_block_words match ?').pluck(true).get(word) === 1;
    } finally {
      db.close();
    }
  };
  await store.append([line('alpha request done')]);
  assert.ok(store.indexing, 'an append starts the worker');
  await store.indexed();
  assert.ok(inIndex('alpha'));
  await waitFor('the idle worker to stop', () => !store.indexing);
  await store.append([line('bravo request done')]);
  assert.ok(store.indexing, 'the next append starts it again');
  await store.indexed();
  assert.ok(inIndex('bravo'), 'the new worker indexed the new line');
  assert.equal((await store.search({ text: { tokens: ['alpha'] }, limit: 10 })).entries.length, 1);
  await waitFor('the idle worker to stop again', () => !store.indexing);
  // Closing right after an idle stop waits for that worker (no thread left on the file).
  await store.close();
});
