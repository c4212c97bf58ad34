// A logs.db written by the layout before blocks (one row per line in log_lines, trigram blocks)
// is moved into blocks when the store migrates: every line stays with its id and fields, ids are
// never reused, the old tables go, the file keeps its mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { LogEntry, NewLogEntry } from '../../src/logs/log-store.ts';
import { logLevels } from '../../src/logs/log-store.ts';
import { openSqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.ts';
import { openLogDatabase } from '../../src/logs/sqlite/sqlite-log-schema.ts';
import { blockMaxLines } from '../../src/logs/sqlite/sqlite-log-block.ts';
import { corpus } from './log-corpus.ts';
import { line } from './log-store-fixtures.ts';

// The tables of the layout before (src/logs/sqlite/sqlite-log-schema.ts until decision 0027).
const oldSchema = `
create table log_meta (key text primary key, value integer not null) strict;
create table log_lines (id integer primary key, at text not null, source text not null, project text not null, environment text, release integer,
  run_id text, step_id text, service text, instance text, stream text not null, level integer, text text not null, bytes integer not null);
create index log_lines_project on log_lines (project, environment, id);
create table log_blocks (id integer primary key, project text not null, environment text, service text, first_id integer not null, last_id integer not null,
  cum_last_id integer not null, min_at text not null, max_at text not null, cum_max_at text not null, lines integer not null, bytes integer not null);
create virtual table log_text using fts5 (text, content='', contentless_delete=1, tokenize='trigram');
`;

/** An old-layout file holding `entries` as lines numbered from 1, with every seventh line deleted and last_id beyond the last line. */
function writeOldFile(file: string, entries: NewLogEntry[]): LogEntry[] {
  const db = openLogDatabase(file);
  db.exec(oldSchema);
  const insert = db.prepare('insert into log_lines (id, at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text, bytes) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const kept: LogEntry[] = [];
  db.transaction(() => {
    entries.forEach((e, i) => {
      const id = i + 1;
      if (id % 7 === 0) return;
      insert.run(id, e.at, e.source, e.project, e.environment, e.release, e.runId, e.stepId, e.service, e.instance, e.stream, e.level === null ? null : logLevels.indexOf(e.level), e.text, Buffer.byteLength(e.text));
      kept.push({ ...e, id });
    });
    db.prepare("insert into log_meta (key, value) values ('last_id', ?)").run(entries.length + 5);
    db.prepare("insert into log_blocks values (1, 'shop', 'production', 'web', 1, 1, 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 1, 1)").run();
    db.prepare('insert into log_text (rowid, text) values (1, ?)').run('old trigram row');
  }).immediate();
  db.close();
  return kept;
}

void test('an old-layout logs.db is moved into blocks in place: every line with its id and fields, last_id kept, old tables gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-logs-upgrade-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'logs.db');
  // More lines than one move transaction takes (16 blocks of 1024), and text the word index must find.
  const entries = [...corpus(20_000, 3), line('İstanbul ſtraße KELVIN needle_word', { level: 'error' })];
  const kept = writeOldFile(file, entries);

  const store = openSqliteLogStore(file);
  // Closed even when an assertion fails: its index worker would otherwise hold the file open until the runner's timeout.
  t.after(() => store.close());
  await store.migrate();
  const stats = await store.stats();
  assert.equal(stats.lines, kept.length);
  assert.equal(stats.lastId, entries.length + 5, 'last_id is kept: ids are never reused');

  const all: LogEntry[] = [];
  for (let before: number | undefined; ; ) {
    const page = await store.search({ limit: 5000, ...(before === undefined ? {} : { before }) });
    all.push(...page.entries);
    if (page.next === null) break;
    before = page.next;
  }
  assert.deepEqual(all.reverse(), kept, 'every line, its id and its fields, in id order');
  assert.deepEqual((await store.search({ text: { tokens: ['needle_word'] }, limit: 10 })).entries.map((e) => e.id), [entries.length]);
  assert.deepEqual((await store.readAfter({}, entries.length - 1, 10)).map((e) => e.id), [entries.length]);
  assert.equal(await store.append([line('after the move')]), entries.length + 6);

  // Migrating again finds nothing to move.
  await store.migrate();
  assert.equal((await store.stats()).lines, kept.length + 1);
  await store.close();

  const db = new Sqlite(file, { readonly: true });
  const tables = db.prepare("select name from sqlite_master where type = 'table' and name in ('log_lines', 'log_blocks', 'log_text')").pluck().all();
  db.close();
  assert.deepEqual(tables, []);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

/** Runs upgrade-crash-child.ts on `file`, which kills itself after the n-th block or transaction; resolves with how it ended. */
function upgradeUntilKilled(file: string, where: 'block' | 'transaction', n: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./upgrade-crash-child.ts', import.meta.url).pathname, file, where, String(n)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Every line of the store, oldest first. */
async function everyLine(store: ReturnType<typeof openSqliteLogStore>): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  for (let before: number | undefined; ; ) {
    const page = await store.search({ limit: 5000, ...(before === undefined ? {} : { before }) });
    all.push(...page.entries);
    if (page.next === null) return all.reverse();
    before = page.next;
  }
}

// A move transaction takes 16 blocks of 1024 lines: killed inside the second transaction (four of
// its blocks written, none committed), and just after the second transaction committed.
const crashes = [
  { where: 'block', n: 20, committed: 1 },
  { where: 'transaction', n: 2, committed: 2 },
] as const;
for (const { where, n, committed } of crashes) {
  void test(`an upgrade killed (SIGKILL) after ${where} ${n}: the next start finishes it, no line lost or doubled`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-logs-upgrade-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'logs.db');
    const entries = [...corpus(60_000, 5), line('needle_after_crash', { level: 'warn' })];
    const kept = writeOldFile(file, entries);
    const ended = await upgradeUntilKilled(file, where, n);
    assert.deepEqual(ended, { code: null, signal: 'SIGKILL' }, 'the child died in the middle of the upgrade');

    // Half-way: what the committed transactions moved is in blocks and gone from log_lines; the rest waits there.
    const mid = new Sqlite(file, { readonly: true });
    const left = mid.prepare('select count(*) from log_lines').pluck().get() as number;
    const inBlocks = mid.prepare('select coalesce(sum(lines), 0) from log_block_meta').pluck().get() as number;
    mid.close();
    assert.equal(inBlocks, 16 * blockMaxLines * committed, 'the committed transactions moved their lines, the killed one none');
    assert.equal(inBlocks + left, kept.length, 'each line is in exactly one layout');

    const store = openSqliteLogStore(file);
    t.after(() => store.close());
    await store.migrate();
    assert.deepEqual(await everyLine(store), kept, 'every line once, with its id and fields, in id order');
    const stats = await store.stats();
    assert.equal(stats.lines, kept.length);
    assert.equal(stats.lastId, entries.length + 5, 'last_id is kept');
    await store.indexed();
    assert.deepEqual((await store.search({ text: { tokens: ['needle_after_crash'] }, limit: 10 })).entries.map((e) => e.id), [entries.length]);
    assert.equal(await store.append([line('after the upgrade')]), entries.length + 6);
    await store.close();
    const db = new Sqlite(file, { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name in ('log_lines', 'log_blocks', 'log_text')").pluck().all();
    db.close();
    assert.deepEqual(tables, []);
  });
}
