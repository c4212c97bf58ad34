// The access log's pure parts (which requests are drawn, the line, the level) and the way a line
// goes: router → the data plane's spool file → the server's ingester → the log store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAccessLine, maxAccessPathChars, sampled } from '../../src/router/edge/access-log.ts';
import { accessEntryOf, accessLevel } from '../../src/logs/access-log-entry.ts';
import { AccessLogSpool } from '../../src/dataplane/access-log-spool.ts';
import { InstanceLogIngester } from '../../src/logs/instance-log-ingester.ts';
import { LogIngest } from '../../src/logs/log-ingest.ts';
import { MemoryLogStore } from '../logs/memory-log-store.ts';

void test('sampling: all logs every request without a draw; a share draws once per request', () => {
  let draws = 0;
  const random = (): number => {
    draws++;
    return 0.5;
  };
  assert.equal(sampled({ sample: 1 }, random), true);
  assert.equal(draws, 0, 'no draw for all');
  assert.equal(sampled({ sample: 0.6 }, random), true);
  assert.equal(sampled({ sample: 0.4 }, random), false);
  assert.equal(draws, 2);
  // Over many requests a 10% sample logs about 10% (seeded: the test is deterministic).
  let seed = 42;
  const lcg = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let logged = 0;
  for (let i = 0; i < 10_000; i++) if (sampled({ sample: 0.1 }, lcg)) logged++;
  assert.ok(logged > 800 && logged < 1200, `${logged} of 10000`);
});

void test('the line: host, client, request, status, bytes, duration; 499 for a client gone; quotes and long paths made safe', () => {
  const base = { method: 'GET', host: 'production.shop.localhost', path: '/cart?id=4', httpVersion: '1.1', status: 200, bytes: 5120, durationMs: 3.24, client: '::ffff:127.0.0.1' };
  assert.equal(formatAccessLine(base), 'production.shop.localhost 127.0.0.1 "GET /cart?id=4 HTTP/1.1" 200 5120 3.2ms');
  assert.equal(formatAccessLine({ ...base, status: 0, bytes: 0, client: undefined, httpVersion: '2.0' }), 'production.shop.localhost - "GET /cart?id=4 HTTP/2.0" 499 0 3.2ms');
  assert.equal(formatAccessLine({ ...base, path: '/a"b c' }), 'production.shop.localhost 127.0.0.1 "GET /a%22b%20c HTTP/1.1" 200 5120 3.2ms');
  const long = formatAccessLine({ ...base, path: `/${'x'.repeat(10_000)}` });
  assert.ok(long.includes(`/${'x'.repeat(maxAccessPathChars - 1)}… HTTP/1.1`), 'cut and marked');
});

void test('levels from the status; a spool record becomes a router/access entry with its scope', () => {
  assert.deepEqual([200, 301, 404, 499, 500, 503].map(accessLevel), ['info', 'info', 'warn', 'warn', 'error', 'error']);
  const raw = JSON.stringify({ ts: '2026-01-02T03:04:05.000Z', stream: 'access', line: 'h 1.2.3.4 "GET / HTTP/1.1" 503 10 1.0ms', status: 503, service: 'web', instance: null });
  assert.deepEqual(accessEntryOf(raw, 'shop.production', 'fallback'), {
    at: '2026-01-02T03:04:05.000Z', source: 'router', project: 'shop', environment: 'production', release: null, runId: null, stepId: null,
    service: 'web', instance: null, stream: 'access', level: 'error', text: 'h 1.2.3.4 "GET / HTTP/1.1" 503 10 1.0ms',
  });
  const served = accessEntryOf(JSON.stringify({ ts: 'x', stream: 'access', line: 'l', status: 200, service: 'web', instance: 'shop.production.web.r7.1' }), 'shop.production', '2026-01-01T00:00:00.000Z');
  assert.deepEqual([served?.release, served?.instance, served?.at], [7, 'shop.production.web.r7.1', '2026-01-01T00:00:00.000Z']);
  assert.equal(accessEntryOf('not json', 'shop.production', 'x'), null);
  assert.equal(accessEntryOf(JSON.stringify({ ts: 'x', stream: 'stdout', line: 'l' }), 'shop.production', 'x'), null);
});

void test('spool to store: one file per environment, tailed into the store, rotated files deleted once stored', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-access-'));
  const dir = join(root, 'access');
  const store = new MemoryLogStore();
  const ingest = new LogIngest(store, { flushMs: 1 });
  const spool = new AccessLogSpool(dir, { maxBytes: 4096, rotatedFiles: 2, maxAgeMs: 86_400_000 }, (l) => assert.fail(l));
  const ingester = new InstanceLogIngester({ dir, cursorFile: join(root, 'access.json'), logs: ingest, entryOf: accessEntryOf, onError: (m, e) => assert.fail(`${m}: ${String(e)}`), pollMs: 60_000, now: () => Date.now() + 10_000 });
  t.after(async () => {
    await ingester.stop();
    await ingest.close();
    rmSync(root, { recursive: true, force: true });
  });
  const line = (environment: string, i: number): Parameters<AccessLogSpool['write']>[0] => ({
    at: Date.now(), project: 'shop', environment, service: 'web', instance: `shop.${environment}.web.r2.1`, status: i % 10 === 0 ? 500 : 200, line: `request ${environment} ${i}`,
  });
  for (let i = 0; i < 20; i++) spool.write(line('production', i));
  spool.write(line('staging', 0));
  await spool.close();
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.log')).length > 0, true, 'production rotated (4 KiB cap)');
  await ingester.start();
  const stored = store.entries;
  assert.equal(stored.filter((e) => e.environment === 'production').length, 20);
  assert.deepEqual(stored.filter((e) => e.environment === 'production').map((e) => e.text), Array.from({ length: 20 }, (_, i) => `request production ${i}`), 'in order, none lost');
  assert.equal(stored.filter((e) => e.environment === 'production' && e.level === 'error').length, 2);
  assert.deepEqual(stored.filter((e) => e.environment === 'staging').map((e) => [e.text, e.release]), [['request staging 0', 2]]);
  assert.deepEqual(readdirSync(dir).sort(), ['shop.production.log', 'shop.staging.log'], 'rotated files removed once stored');
});
