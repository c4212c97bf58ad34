// Logs through the LogStore, end to end: an app's real instance output searched with filters
// (CLI and API), bad queries refused with their reason, a 1 MB line cut and marked, binary output
// stored safely, follow latency from an instance write, and a follow cut mid-stream and resumed
// with Last-Event-ID with no line lost or repeated. Run twice: on the SQLite log store (<data>/logs.db)
// and with --database postgres://… (src/logs/postgres), on a database of its own.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { authHeaders, viaRouter } from './harness.ts';
import { deployedProject, pipeline, prodHost, type LogJson } from './fixtures.ts';
import { openSse, type SseEvent } from '../api/sse-client.ts';
import { freshDatabase } from './postgres-kit.ts';
import pg from 'pg';

const app = `const http = require('node:http');
const s = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/healthz') return res.end('ok');
  if (u.pathname === '/json') console.log(JSON.stringify({ level: Number(u.searchParams.get('level')), msg: u.searchParams.get('msg') }));
  if (u.pathname === '/raw') console.log(u.searchParams.get('text'));
  if (u.pathname === '/err') console.error(u.searchParams.get('text'));
  if (u.pathname === '/big') console.log('BIGSTART ' + 'é'.repeat(512 * 1024));
  if (u.pathname === '/binary') process.stdout.write(Buffer.concat([Buffer.from('BINSTART '), Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x42, 0x0a])]));
  if (u.pathname === '/burst') { const n = Number(u.searchParams.get('n')); for (let i = 0; i < n; i++) console.log('burst ' + i); }
  res.end('done');
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;


const lines = (events: SseEvent[]): string[] => events.filter((e) => e.event === 'line').map((e) => (e.data as LogJson).line);

void test('logs: search an app\'s output with filters, bad queries, a 1 MB line, binary output, follow latency and a resumed follow', { timeout: 240_000 }, async (t) => {
  await logsFlow(t, []);
});

void test('logs on PostgreSQL (--database): the same flow against the log tables in PostgreSQL', { timeout: 240_000 }, async (t) => {
  const database = await freshDatabase();
  if ('skip' in database) {
    console.log(`skipped: ${database.skip}`);
    t.skip(database.skip);
    return;
  }
  try {
    await logsFlow(t, ['--database', database.url]);
    // The lines are in PostgreSQL (a schema of their own beside the state's tables), not in a logs.db.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>("select count(*) as n from sluice_logs.log_lines where project = 'loggy'");
      assert.ok(Number(rows[0]?.n) > 3000, `${rows[0]?.n} lines in PostgreSQL`);
    } finally {
      await client.end();
    }
  } finally {
    // Registered last: after-hooks run in the order they were added, so the server has closed its pools by then.
    t.after(() => database.drop());
  }
});

async function logsFlow(t: TestContext, args: string[]): Promise<void> {
  const { server } = await deployedProject(t, 'loggy', { 'sluice.yaml': pipeline(), 'server.js': app, VERSION: 'v1\n' }, { args });
  const host = prodHost('loggy');
  const hit = async (p: string): Promise<void> => {
    const r = await viaRouter(server.routerPort, host, p);
    assert.equal(r.status, 200, `${p}: ${r.body}`);
  };
  await hit('/json?level=50&msg=db%20timeout');
  await hit('/json?level=30&msg=db%20timeout%20recovered');
  await hit('/raw?text=GET%20%2Fusers%20200');
  await hit('/err?text=connection%20reset%20by%20peer');
  const env = ['logs', 'loggy', '--env', 'production'];

  // Search with filters over the real instance output (the ingester tails the spool).
  const errors = await server.waitFor('the error line found by --grep --level', async () => {
    const found = await server.jsonLines<LogJson>([...env, '--grep', 'timeout', '--level', 'error']);
    return found.length > 0 && found;
  }, 15_000);
  assert.deepEqual(errors.map((l) => l.line), ['{"level":50,"msg":"db timeout"}']);
  assert.deepEqual([errors[0]!.level, errors[0]!.release, errors[0]!.service, errors[0]!.source], ['error', 1, 'web', 'instance']);
  assert.match(errors[0]!.instance ?? '', /^loggy\.production\.web\.r1\.\d+$/);
  const both = await server.jsonLines<LogJson>([...env, '--grep', '"db timeout"', '--since', '1h', '--release', '1']);
  assert.deepEqual(both.map((l) => l.line), ['{"level":50,"msg":"db timeout"}', '{"level":30,"msg":"db timeout recovered"}'], 'oldest first');
  const stderr = await server.jsonLines<LogJson>([...env, '--grep', 'reset stream:stderr']);
  assert.deepEqual(stderr.map((l) => [l.stream, l.line]), [['stderr', 'connection reset by peer']]);
  assert.deepEqual(await server.jsonLines<LogJson>([...env, '--grep', 'timeout', '--release', '2']), []);
  const text = await server.cli([...env, '--grep', 'users']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^\[loggy\.production\.web\.r1\.\d+\] GET \/users 200$/m);
  // The deploy's events are in the environment's log too.
  const deploy = await server.jsonLines<LogJson>([...env, '--grep', 'source:deploy deploying']);
  assert.ok(deploy.some((l) => /^deploying release 1 /.test(l.line) && l.stream === 'event' && l.release === 1), JSON.stringify(deploy));
  // The API: a page, newest first, with its cursor.
  const page = await server.api<{ entries: LogJson[]; next: number | null }>('GET', '/api/projects/loggy/environments/production/logs?q=timeout&limit=1');
  assert.equal(page.status, 200);
  assert.deepEqual(page.body.entries.map((e) => e.line), ['{"level":30,"msg":"db timeout recovered"}']);
  const older = await server.api<{ entries: LogJson[]; next: number | null }>('GET', `/api/projects/loggy/environments/production/logs?q=timeout&limit=1&before=${page.body.next}`);
  assert.deepEqual(older.body.entries.map((e) => e.line), ['{"level":50,"msg":"db timeout"}']);

  // Bad queries: 400 with the problem named, from the API and the CLI.
  for (const [query, message] of [
    ['q=%22open', /quote opened at character 1 is not closed/],
    ['q=colour:red', /unknown field "colour"/],
    ['since=1h&until=2h', /time range is reversed/],
    ['level=loud', /level: "loud" is not a level/],
  ] as const) {
    const r = await server.api<{ message: string }>('GET', `/api/projects/loggy/environments/production/logs?${query}`);
    assert.equal(r.status, 400, query);
    assert.match(r.body.message, message);
  }
  const bad = await server.cli([...env, '--grep', 'colour:red']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown field "colour".*quote it/);

  // A 1 MB line: cut at a character boundary and marked, not dropped. Binary output: safe text.
  await hit('/big');
  await hit('/binary');
  const big = await server.waitFor('the 1 MB line', async () => (await server.jsonLines<LogJson>([...env, '--grep', 'BIGSTART']))[0], 15_000);
  assert.ok(Buffer.byteLength(big.line) <= 16 * 1024, `${Buffer.byteLength(big.line)} bytes`);
  assert.match(big.line, /^BIGSTART é+ … \[truncated\]$/);
  const binary = await server.waitFor('the binary line', async () => (await server.jsonLines<LogJson>([...env, '--grep', 'BINSTART']))[0], 15_000);
  assert.equal(binary.line, 'BINSTART \\x00\uFFFD\uFFFDAB');

  // Follow: each line an instance writes reaches a follower (10 s each at most). How fast is a
  // figure of bench/logs-follow, not asserted here; the diagnostic only shows this run's.
  const base = `${server.url}/api/projects/loggy/environments/production/logs`;
  const follower = openSse(`${base}?follow=1&q=tick&tail=1`, authHeaders(server.url));
  assert.equal(await follower.status, 200);
  const latencies: number[] = [];
  for (let i = 0; i < 40; i++) {
    await hit(`/raw?text=tick-${i}`);
    const wrote = Date.now();
    await follower.until((e) => lines(e).includes(`tick-${i}`), 10_000);
    latencies.push(Date.now() - wrote);
  }
  follower.cut();
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1]!;
  t.diagnostic(`instance write → follow event: p50 ${p50} ms, p99 ${p99} ms (${latencies.length} lines): ${latencies.join(' ')}`);

  // A follow cut mid-stream and resumed with Last-Event-ID: every burst line once, in order.
  const first = openSse(`${base}?follow=1&q=burst&tail=1`, authHeaders(server.url));
  assert.equal(await first.status, 200);
  const burst = hit('/burst?n=3000');
  await first.until((e) => lines(e).length >= 200, 30_000);
  first.cut();
  await first.ended;
  const lastId = first.events.filter((e) => e.event === 'line').at(-1)!.id!;
  const second = openSse(`${base}?follow=1&q=burst`, { ...authHeaders(server.url), 'last-event-id': lastId });
  await burst;
  await second.until((e) => lines(e).includes('burst 2999'), 30_000);
  second.cut();
  const seen = [...lines(first.events), ...lines(second.events)];
  assert.deepEqual(seen, Array.from({ length: 3000 }, (_, i) => `burst ${i}`));
}
