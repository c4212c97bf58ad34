// bench/notify: milliseconds from a platform event being emitted (EventLog.emit: stored in the
// SQLite store, outbox row created by the notifier, claimed, signed, POSTed) to its first
// delivery attempt arriving at a local receiver; baseline in the same run: a direct HTTP POST of
// the same size to the same receiver. Interleaved, one at a time. Options: --events N (300), --limit SECONDS (120).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/engine/clock.ts';
import { EventLog } from '../src/events/event-log.ts';
import { Notifier } from '../src/notifications/notifier.ts';
import { httpPoster } from '../src/notifications/post-notification.ts';
import { newSigningSecret } from '../src/notifications/standard-webhooks.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { benchMain, machine, quantile } from './bench-kit.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const EVENTS = Number(arg('--events', '300'));
const LIMIT_MS = Number(arg('--limit', '120')) * 1000;
const silent = { info: () => {}, warn: () => {}, error: () => {} };

await benchMain('bench/notify', LIMIT_MS, async (onCleanup) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-notify-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
  onCleanup(() => store.close());
  // Arrival of the first attempt of each id (a direct POST carries its own id the same way).
  let arrived: ((id: string) => void) | null = null;
  const receiver = http.createServer((req, res) => {
    arrived?.(String(req.headers['webhook-id'] ?? ''));
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const events = new EventLog(store, systemClock, silent);
  const secret = newSigningSecret();
  const notifier = new Notifier({
    records: store,
    eventLog: events,
    targetsOf: async () => [{ url, format: 'webhook', events: ['*'] }],
    signingSecretOf: async () => secret,
    resolveUrl: async (_p, u) => u,
    post: httpPoster({ denyPrivate: false, timeoutMs: 5_000 }),
    links: (e) => (e.run ? { run: `http://127.0.0.1:7070/api/runs/${e.run.id}` } : {}),
    clock: systemClock,
    owner: 'bench:1',
    logger: silent,
  });
  notifier.start();
  onCleanup(() => notifier.stop());
  const post = httpPoster({ denyPrivate: false, timeoutMs: 5_000 });
  const waitArrival = (id: string | null): Promise<number> =>
    new Promise((resolve) => {
      arrived = (got) => {
        if (id === null || got === id) {
          arrived = null;
          resolve(performance.now());
        }
      };
    });
  const viaOutbox: number[] = [];
  const direct: number[] = [];
  const body = JSON.stringify({ type: 'run.failed', timestamp: new Date().toISOString(), data: { project: 'shop', summary: 'x'.repeat(400) } });
  for (let i = 0; i < EVENTS; i++) {
    // Baseline: the same receiver, a POST of the same size, no store.
    const d0 = performance.now();
    const dWait = waitArrival(`direct-${i}`);
    await post({ url, headers: { 'webhook-id': `direct-${i}` }, body });
    direct.push((await dWait) - d0);
    // Through the outbox. The id is the event's, known only once stored: match any arrival.
    const t0 = performance.now();
    const oWait = waitArrival(null);
    await events.emit({ kind: 'run.failed', project: 'shop', environment: null, release: null, run: { id: `run-${i}`, number: i }, commit: { sha: 'a'.repeat(40), message: 'fix', author: 'Ada', committedAt: null }, cause: 'commit', summary: `run #${i} failed`, facts: {} });
    viaOutbox.push((await oWait) - t0);
  }
  const fmt = (xs: number[]): string => `p50 ${quantile(xs, 0.5).toFixed(2)} ms, p90 ${quantile(xs, 0.9).toFixed(2)} ms, p99 ${quantile(xs, 0.99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;
  const report = [
    `bench/notify · ${machine()}`,
    `${EVENTS} events, one at a time, interleaved with the baseline`,
    `event → first delivery attempt (emit → store → outbox → claim → sign → POST): ${fmt(viaOutbox)}`,
    `baseline, a direct POST to the same receiver:                             ${fmt(direct)}`,
    `added by the outbox at p50: ${(quantile(viaOutbox, 0.5) - quantile(direct, 0.5)).toFixed(2)} ms`,
  ].join('\n');
  console.log(report);
  writeFileSync(join(dir, 'report.txt'), report);
});
