// One contract for the LogStore port, run against every implementation on a fresh database per
// test. Text queries are checked against an oracle written here (split into words, lowercase,
// includes), independent of src/logs/log-query.ts.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry, LogFilter, LogSearch, LogStore, LogText, NewLogEntry } from '../../src/logs/log-store.ts';
import { at, line, postgresLogImplementation, sqliteLogImplementation, type OpenLogStore } from './log-store-fixtures.ts';
import { corpus } from './log-corpus.ts';

const implementations = [sqliteLogImplementation(), await postgresLogImplementation()];

const words = (text: string): Set<string> => new Set(text.toLowerCase().split(/[^\p{L}\p{N}_]+/u));
function oracle(all: LogEntry[], text: LogText): LogEntry[] {
  return all.filter((e) => (text.tokens ?? []).every((t) => words(e.text).has(t.toLowerCase())) && (text.substrings ?? []).every((s) => e.text.toLowerCase().includes(s.toLowerCase()))).reverse();
}

/** Every page of a search, following `next`, checking each page's size. */
async function allPages(store: LogStore, query: Omit<LogSearch, 'before'>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.search({ ...query, ...(before === undefined ? {} : { before }) });
    assert.ok(page.entries.length <= query.limit);
    out.push(...page.entries);
    if (page.next === null) return out;
    assert.equal(page.entries.length, query.limit, 'a page with a next is full');
    before = page.next;
  }
  throw new Error('more than 10 000 pages');
}

const ids = (entries: LogEntry[]): number[] => entries.map((e) => e.id);

/** Appends and returns the entries as the store should give them back. */
async function put(store: LogStore, entries: NewLogEntry[]): Promise<LogEntry[]> {
  const last = await store.append(entries);
  return entries.map((e, i) => ({ ...e, id: last - entries.length + 1 + i }));
}

for (const impl of implementations) {
  const skip = impl.skip;
  if (skip) {
    void test(`LogStore contract: ${impl.name}`, (t) => {
      t.diagnostic(skip);
      t.skip(skip);
    });
    continue;
  }
  void describe(`LogStore contract: ${impl.name}`, () => {
    let opened: OpenLogStore | undefined;
    const store = (): LogStore => {
      if (!opened) throw new Error('store not open');
      return opened.store;
    };
    beforeEach(async () => {
      opened = await impl.open();
    });
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    void test('append returns strictly increasing ids; migrate is idempotent; an empty batch is 0', async () => {
      const s = store();
      await s.migrate();
      assert.equal(await s.append([]), 0);
      const first = await s.append([line('a'), line('b')]);
      const second = await s.append([line('c')]);
      assert.ok(first >= 2 && second === first + 1, `${first}, ${second}`);
      const page = await s.search({ limit: 10 });
      assert.deepEqual(page.entries.map((e) => e.text), ['c', 'b', 'a']);
      assert.deepEqual(ids(page.entries), [second, first, first - 1]);
      assert.equal(page.next, null);
    });

    void test('every entry field round-trips', async () => {
      const full = line('x', { at: at(7), source: 'step', environment: null, release: null, runId: 'run-1', stepId: 'build.0', service: null, instance: null, stream: 'stderr', level: 'warn' });
      const [entry] = await put(store(), [full]);
      assert.deepEqual((await store().search({ limit: 1 })).entries, [entry]);
    });

    void test('each filter alone: project, environment, release, run, step, service, instance, source, stream', async () => {
      const s = store();
      const base = line('base');
      const variants: Array<[keyof LogFilter, Partial<NewLogEntry>, unknown]> = [
        ['project', { project: 'other' }, 'other'],
        ['environment', { environment: 'staging' }, 'staging'],
        ['release', { release: 9 }, 9],
        ['runId', { runId: 'run-9' }, 'run-9'],
        ['stepId', { stepId: 'test.1' }, 'test.1'],
        ['service', { service: 'worker' }, 'worker'],
        ['instance', { instance: 'shop.production.web.r3.2' }, 'shop.production.web.r3.2'],
        ['source', { source: 'router' }, 'router'],
        ['stream', { stream: 'access' }, 'access'],
      ];
      const put1 = await put(s, [base, ...variants.map(([k, o]) => line(`only ${k}`, o)), line('base again')]);
      for (const [key, , value] of variants) {
        const page = await s.search({ [key]: value, limit: 100 });
        assert.deepEqual(page.entries.map((e) => e.text), [`only ${key}`], key);
      }
      const mine = await s.search({ project: 'shop', environment: 'production', release: 3, service: 'web', source: 'instance', stream: 'stdout', limit: 100 });
      assert.deepEqual(mine.entries.map((e) => e.text), ['base again', 'only instance', 'only stepId', 'only runId', 'base']);
      assert.equal(put1.length, variants.length + 2);
    });

    void test('minLevel is that level and above; lines without a level never match it', async () => {
      const s = store();
      await s.append([line('n'), line('t', { level: 'trace' }), line('i', { level: 'info' }), line('w', { level: 'warn' }), line('e', { level: 'error' }), line('f', { level: 'fatal' })]);
      assert.deepEqual((await s.search({ minLevel: 'warn', limit: 10 })).entries.map((e) => e.text), ['f', 'e', 'w']);
      assert.deepEqual((await s.search({ minLevel: 'trace', limit: 10 })).entries.map((e) => e.text), ['f', 'e', 'w', 'i', 't']);
      await assert.rejects(s.search({ minLevel: 'loud' as never, limit: 10 }), { code: 'invalid_input' });
    });

    void test('since is inclusive, until exclusive; times out of id order are found', async () => {
      const s = store();
      // Out of order on purpose: `at` is not ordered by id (clocks, late lines).
      await s.append([line('t10', { at: at(10) }), line('t30', { at: at(30) }), line('t20', { at: at(20) })]);
      await s.append([line('t5', { at: at(5) }), line('t40', { at: at(40) })]);
      const texts = async (f: LogFilter): Promise<string[]> => (await s.search({ ...f, limit: 10 })).entries.map((e) => e.text);
      assert.deepEqual(await texts({ since: at(20) }), ['t40', 't20', 't30']);
      assert.deepEqual(await texts({ until: at(20) }), ['t5', 't10']);
      assert.deepEqual(await texts({ since: at(10), until: at(30) }), ['t20', 't10']);
      assert.deepEqual(await texts({ since: at(41) }), []);
      assert.deepEqual(await texts({ until: at(5) }), []);
      await assert.rejects(s.search({ since: 'yesterday', limit: 1 }), { code: 'invalid_input' });
    });

    void test('tokens are whole words, case-insensitive: time does not match timeout', async () => {
      const s = store();
      await s.append([line('request TIMEOUT after 30s'), line('time: 12ms'), line('Time_zone UTC'), line('at time-of-day'), line('runtime error')]);
      const find = async (text: LogText): Promise<string[]> => (await s.search({ text, limit: 10 })).entries.map((e) => e.text);
      assert.deepEqual(await find({ tokens: ['time'] }), ['at time-of-day', 'time: 12ms']);
      assert.deepEqual(await find({ tokens: ['TimeOut'] }), ['request TIMEOUT after 30s']);
      assert.deepEqual(await find({ tokens: ['time_zone', 'utc'] }), ['Time_zone UTC']);
      assert.deepEqual(await find({ tokens: ['30s', 'after'] }), ['request TIMEOUT after 30s']);
      assert.deepEqual(await find({ tokens: ['at'] }), ['at time-of-day']);
      await assert.rejects(s.search({ text: { tokens: ['time-of'] }, limit: 1 }), { code: 'invalid_input' });
      await assert.rejects(s.search({ text: { tokens: [''] }, limit: 1 }), { code: 'invalid_input' });
    });

    void test('substrings: case-insensitive, 1–2 characters, FTS and LIKE syntax taken literally', async () => {
      const s = store();
      const texts = ['say "hi" now', 'glob * star', '100% done', 'snake_case_name', 'C:\\path\\to', 'call(f) ok', 'key: value', 'plain text', 'x', 'ÉTÉ à Paris', 'AND OR NOT NEAR'];
      await s.append(texts.map((t) => line(t)));
      const find = async (sub: string): Promise<string[]> => (await s.search({ text: { substrings: [sub] }, limit: 50 })).entries.map((e) => e.text);
      assert.deepEqual(await find('"hi"'), ['say "hi" now']);
      assert.deepEqual(await find('"'), ['say "hi" now']);
      assert.deepEqual(await find('*'), ['glob * star']);
      assert.deepEqual(await find('* s'), ['glob * star']);
      assert.deepEqual(await find('0%'), ['100% done']);
      assert.deepEqual(await find('%'), ['100% done']);
      assert.deepEqual(await find('e_c'), ['snake_case_name']);
      assert.deepEqual(await find('_'), ['snake_case_name']);
      assert.deepEqual(await find('\\path\\'), ['C:\\path\\to']);
      assert.deepEqual(await find('\\'), ['C:\\path\\to']);
      assert.deepEqual(await find('call(f'), ['call(f) ok']);
      assert.deepEqual(await find('('), ['call(f) ok']);
      assert.deepEqual(await find('y: v'), ['key: value']);
      assert.deepEqual(await find(':'), ['key: value', 'C:\\path\\to']);
      assert.deepEqual(await find('PLAIN'), ['plain text']);
      assert.deepEqual(await find('X'), ['x', 'plain text']);
      assert.deepEqual(await find('été'), ['ÉTÉ à Paris']);
      assert.deepEqual(await find('and or'), ['AND OR NOT NEAR']);
      assert.deepEqual(await find('absent'), []);
      await assert.rejects(s.search({ text: { substrings: [''] }, limit: 1 }), { code: 'invalid_input' });
    });

    void test('filters and text together, across interleaved services and several appends', async () => {
      const s = store();
      const all: LogEntry[] = [];
      for (let batch = 0; batch < 5; batch++) {
        all.push(...(await put(s, corpus(400, batch))));
      }
      const queries: Array<{ filter: LogFilter; text: LogText }> = [
        { filter: { project: 'shop' }, text: { tokens: ['error'] } },
        { filter: { service: 'worker', minLevel: 'warn' }, text: { substrings: ['timeout'] } },
        { filter: { environment: 'staging', since: at(300), until: at(1500) }, text: { tokens: ['get'], substrings: ['/api'] } },
        { filter: {}, text: { substrings: ['ms'] } },
        { filter: { project: 'blog', stream: 'stderr' }, text: { tokens: ['at'] } },
        { filter: { runId: 'run-2' }, text: { substrings: ['npm'] } },
      ];
      for (const { filter, text } of queries) {
        const expected = oracle(all.filter((e) => matches(e, filter)), text);
        assert.ok(expected.length > 3, `the corpus exercises ${JSON.stringify({ filter, text })}`);
        const got = await allPages(s, { ...filter, text, limit: 7 });
        assert.deepEqual(ids(got), ids(expected), JSON.stringify({ filter, text }));
      }
    });

    void test('pagination: before/next over many pages loses and repeats nothing, with and without text', async () => {
      const s = store();
      const all: LogEntry[] = [];
      for (let batch = 0; batch < 4; batch++) all.push(...(await put(s, corpus(700, 10 + batch))));
      assert.deepEqual(ids(await allPages(s, { limit: 97 })), ids([...all].reverse()));
      assert.deepEqual(ids(await allPages(s, { project: 'shop', limit: 33 })), ids(all.filter((e) => e.project === 'shop').reverse()));
      const text = { substrings: ['ms'] };
      assert.deepEqual(ids(await allPages(s, { text, limit: 50 })), ids(oracle(all, text)));
      let before: number | undefined;
      const singles: LogEntry[] = [];
      for (let page = 0; page < 30; page++) {
        const { entries, next } = await s.search({ text, limit: 1, ...(before === undefined ? {} : { before }) });
        singles.push(...entries);
        before = next ?? undefined;
      }
      assert.deepEqual(ids(singles), ids(oracle(all, text)).slice(0, 30));
      const middle = all[1000]!.id;
      const older = await s.search({ before: middle, limit: 3 });
      assert.deepEqual(ids(older.entries), [middle - 1, middle - 2, middle - 3]);
    });

    void test('readAfter: oldest first from a cursor, with filters and text', async () => {
      const s = store();
      const all: LogEntry[] = [];
      for (let batch = 0; batch < 3; batch++) all.push(...(await put(s, corpus(500, 20 + batch))));
      const cursor = all[321]!.id;
      assert.deepEqual(ids(await s.readAfter({}, cursor, 5)), ids(all.slice(322, 327)));
      const filter: LogFilter & { text?: LogText } = { project: 'shop', text: { tokens: ['info'] } };
      const expected = oracle(all.filter((e) => e.id > cursor && matches(e, filter)), filter.text!).reverse();
      const got: LogEntry[] = [];
      let after = cursor;
      for (;;) {
        const chunk = await s.readAfter(filter, after, 11);
        if (chunk.length === 0) break;
        got.push(...chunk);
        after = chunk[chunk.length - 1]!.id;
      }
      assert.deepEqual(ids(got), ids(expected));
      assert.deepEqual(await s.readAfter({}, all[all.length - 1]!.id, 10), []);
    });

    void test('a line whose time names no instant (30 February, 24:00) is refused with invalid_input, nothing of its batch stored', async () => {
      const s = store();
      for (const bad of ['2025-02-30T00:00:00.000Z', '2025-01-01T24:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-01-01 00:00:00.000Z']) {
        await assert.rejects(s.append([line('fine'), line('bad', { at: bad })]), { code: 'invalid_input', message: /log line 1 of the batch has an invalid at/ });
      }
      assert.equal((await s.stats()).lines, 0);
      assert.ok((await s.append([line('leap', { at: '2024-02-29T23:59:59.999Z' })])) > 0);
    });

    void test('a limit outside 1..10000 is refused with invalid_input', async () => {
      const s = store();
      for (const limit of [0, -1, 10_001, 1.5, Number.NaN]) {
        await assert.rejects(s.search({ limit }), { code: 'invalid_input' }, String(limit));
        await assert.rejects(s.readAfter({}, 0, limit), { code: 'invalid_input' }, String(limit));
      }
      await s.search({ limit: 10_000 });
    });

    void test('retention by age deletes lines older than the bound, exactly', async () => {
      const s = store();
      await s.append([line('old', { at: at(1) }), line('edge', { at: at(10) }), line('late-old', { at: at(2) })]);
      await s.append([line('new', { at: at(20) })]);
      assert.equal(await s.retain({ olderThan: at(10), maxBytesPerProject: null, maxBytesTotal: null }), 2);
      assert.deepEqual((await s.search({ limit: 10 })).entries.map((e) => e.text), ['new', 'edge']);
      assert.deepEqual((await s.search({ text: { substrings: ['old'] }, limit: 10 })).entries, []);
      assert.equal((await s.stats()).oldestAt, at(10));
    });

    void test('retention by bytes per project deletes each project’s oldest lines beyond its share', async () => {
      const s = store();
      const t = (n: number): string => String(n).padStart(100, '.');
      await s.append(Array.from({ length: 10 }, (_, i) => line(t(i))));
      await s.append(Array.from({ length: 10 }, (_, i) => line(t(i), { project: 'small' })));
      await s.append(Array.from({ length: 10 }, (_, i) => line(t(10 + i), { service: 'worker' })));
      const gone = await s.retain({ olderThan: null, maxBytesPerProject: 1050, maxBytesTotal: null });
      assert.equal(gone, 10);
      const shop = await s.search({ project: 'shop', limit: 100 });
      assert.deepEqual(shop.entries.map((e) => e.text), Array.from({ length: 10 }, (_, i) => t(19 - i)));
      assert.equal((await s.search({ project: 'small', limit: 100 })).entries.length, 10);
      assert.equal(await s.retain({ olderThan: null, maxBytesPerProject: 1000, maxBytesTotal: null }), 0);
      assert.equal(await s.retain({ olderThan: null, maxBytesPerProject: 999, maxBytesTotal: null }), 2);
    });

    void test('retention by total bytes brings the store under the cap, oldest first', async () => {
      const s = store();
      for (let batch = 0; batch < 10; batch++) await s.append(corpus(1000, 40 + batch));
      const before = await s.stats();
      const cap = Math.floor(before.bytesOnDisk / 3);
      const gone = await s.retain({ olderThan: null, maxBytesPerProject: null, maxBytesTotal: cap });
      const after = await s.stats();
      assert.ok(gone > 0 && after.lines === before.lines - gone, `${gone} of ${before.lines}`);
      if (impl.shrinksOnRetain) assert.ok(after.bytesOnDisk <= cap, `${after.bytesOnDisk} on disk after retaining to ${cap}`);
      // What stays is about the cap's share of the lines (the store aims a little below the cap).
      assert.ok(after.lines <= before.lines * (cap / before.bytesOnDisk) * 1.1, `${after.lines} of ${before.lines} lines stay under a cap of a third`);
      assert.ok(after.lines >= before.lines * (cap / before.bytesOnDisk) * 0.5, `${after.lines} of ${before.lines} lines stay: not far more went than needed`);
      assert.equal(await s.retain({ olderThan: null, maxBytesPerProject: null, maxBytesTotal: cap }), 0, 'a second retain at the same cap deletes nothing');
      const newest = await s.search({ limit: 1 });
      assert.equal(newest.entries[0]?.id, before.lastId, 'the newest line stays');
      assert.equal(after.lastId, before.lastId);
    });

    void test('remove by run and by project; ids are never reused afterwards', async () => {
      const s = store();
      await s.append([line('r1 a', { runId: 'r1', source: 'step' }), line('other'), line('r1 b', { runId: 'r1', source: 'step' }), line('r2', { runId: 'r2', source: 'step' })]);
      await s.append([line('blog', { project: 'blog' })]);
      assert.equal(await s.remove({ runId: 'r1' }), 2);
      assert.deepEqual((await s.search({ limit: 10 })).entries.map((e) => e.text), ['blog', 'r2', 'other']);
      assert.deepEqual((await s.search({ text: { substrings: ['r1'] }, limit: 10 })).entries, []);
      assert.equal(await s.remove({ project: 'shop' }), 2);
      assert.deepEqual((await s.search({ limit: 10 })).entries.map((e) => e.text), ['blog']);
      const lastBefore = (await s.stats()).lastId;
      assert.equal(await s.remove({ project: 'blog' }), 1);
      assert.equal(await s.remove({ project: 'blog' }), 0);
      const next = await s.append([line('after')]);
      assert.equal(next, lastBefore + 1);
    });

    void test('stats: lines, bytes on disk, oldest time, last id', async () => {
      const s = store();
      const empty = await s.stats();
      assert.deepEqual({ lines: empty.lines, oldestAt: empty.oldestAt, lastId: empty.lastId }, { lines: 0, oldestAt: null, lastId: 0 });
      const last = await s.append([line('a', { at: at(50) }), line('b', { at: at(40) }), line('c', { at: at(60) })]);
      const stats = await s.stats();
      assert.deepEqual({ lines: stats.lines, oldestAt: stats.oldestAt, lastId: stats.lastId }, { lines: 3, oldestAt: at(40), lastId: last });
      assert.ok(stats.bytesOnDisk > 0);
    });

    void test('unicode and binary-ish text round-trip exactly and are found', async () => {
      const s = store();
      const texts = ['héllo wörld ✓ 日本語のログ 🚀', 'bad \uFFFD\uFFFD bytes', 'ctl \u0001\u0002\u001b[31mred\u001b[0m\t\ttab', 'nul \u0000 inside and after', '  leading and trailing  ', '', 'line\rcarriage', 'İstanbul ß straße', 'private \uE000\uE001 \uE000\u0000 use'];
      await s.append(texts.map((t) => line(t)));
      assert.deepEqual((await s.search({ limit: 20 })).entries.map((e) => e.text), [...texts].reverse());
      const find = async (sub: string): Promise<string[]> => (await s.search({ text: { substrings: [sub] }, limit: 20 })).entries.map((e) => e.text);
      assert.deepEqual(await find('日本語'), [texts[0]]);
      assert.deepEqual(await find('🚀'), [texts[0]]);
      assert.deepEqual(await find('\uFFFD\uFFFD b'), [texts[1]]);
      assert.deepEqual(await find('[31mred'), [texts[2]]);
      assert.deepEqual(await find('and after'), [texts[3]]);
      assert.deepEqual(await find('WÖRLD'), [texts[0]]);
      assert.deepEqual(await find('\uE000\u0000'), [texts[8]]);
      assert.deepEqual(await find('\u0000'), [texts[8], texts[3]]);
      assert.deepEqual((await s.search({ text: { tokens: ['wörld'] }, limit: 5 })).entries.map((e) => e.text), [texts[0]]);
    });
  });
}

function matches(e: LogEntry, f: LogFilter): boolean {
  const eq = <T>(want: T | undefined, got: T): boolean => want === undefined || want === got;
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return eq(f.project, e.project) && eq(f.environment, e.environment ?? undefined) && eq(f.release, e.release ?? undefined) && eq(f.runId, e.runId ?? undefined) &&
    eq(f.stepId, e.stepId ?? undefined) && eq(f.service, e.service ?? undefined) && eq(f.instance, e.instance ?? undefined) && eq(f.source, e.source) && eq(f.stream, e.stream) &&
    (f.minLevel === undefined || (e.level !== null && order.indexOf(e.level) >= order.indexOf(f.minLevel))) &&
    (f.since === undefined || e.at >= f.since) && (f.until === undefined || e.at < f.until);
}
