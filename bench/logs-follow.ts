// bench/logs-follow: milliseconds from an instance writing a line to a `--follow` client (SSE,
// the API `sluice logs --follow` uses) receiving it. The app prints `tick N <Date.now()>` every
// 20 ms; the client takes its own clock at each event (one machine, one clock). The path:
// the shim's spool → the server's ingester (inotify) → LogIngest batch → LogStore → follow.
// Options: --lines N (500), --limit SECONDS (240).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo, TestServer, authHeaders } from '../test/e2e/harness.ts';
import { pipeline } from '../test/e2e/fixtures.ts';
import { openSse } from '../test/api/sse-client.ts';
import { benchMain, machine, quantile, waitRunOf } from './bench-kit.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const LINES = Number(arg('--lines', '500'));
const LIMIT_MS = Number(arg('--limit', '240')) * 1000;
const repoRoot = join(import.meta.dirname, '..');

const tickApp = `const http = require('node:http');
let n = 0;
setInterval(() => console.log('tick ' + (n++) + ' ' + Date.now()), 20);
const s = http.createServer((req, res) => res.end('ok'));
s.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;

await benchMain('logs-follow', LIMIT_MS, async (onCleanup) => {
  console.log(`logs-follow · ${machine()}`);
  const repo = new TestRepo({ 'sluice.yaml': pipeline(), 'server.js': tickApp, VERSION: 'v1\n' });
  onCleanup(() => repo.remove());
  const server = await TestServer.start(['--poll-interval', '1s']);
  onCleanup(() => server.close());
  const added = await server.api('POST', '/api/projects', { name: 'ticker', repo: repo.dir });
  if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
  const run = await waitRunOf(server, 'ticker', repo.head(), 120_000);
  if (run.state !== 'succeeded') throw new Error(`first run ${run.state}`);

  const follower = openSse(`${server.url}/api/projects/ticker/environments/production/logs?follow=1&q=tick&tail=1`, authHeaders(server.url));
  onCleanup(() => follower.cut());
  if ((await follower.status) !== 200) throw new Error('follow did not answer 200');
  const latencies: number[] = [];
  const seen = new Set<number>();
  let read = 0;
  const deadline = Date.now() + LINES * 20 * 3 + 30_000;
  while (latencies.length < LINES) {
    if (Date.now() > deadline) throw new Error(`only ${latencies.length} of ${LINES} lines followed in time`);
    await follower.until((events) => events.length > read, 10_000);
    const now = Date.now();
    for (const e of follower.events.slice(read)) {
      const m = e.event === 'line' ? /^tick (\d+) (\d+)$/.exec((e.data as { line: string }).line) : null;
      // The first second is the tail and the follow's start, not steady state.
      if (m && !seen.has(Number(m[1])) && Number(m[1]) > 50) {
        seen.add(Number(m[1]));
        latencies.push(now - Number(m[2]));
      }
    }
    read = follower.events.length;
  }
  follower.cut();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => quantile(latencies, p);
  const lines = [
    `machine: ${machine()}`,
    `instance write → follow client (SSE), ${latencies.length} lines at one every 20 ms: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${latencies.at(-1)} ms (target p99 < 100 ms)`,
  ];
  for (const l of lines) console.log(l);
  writeFileSync(join(repoRoot, 'bench/RESULTS-logs-follow.md'), `# bench/logs-follow, ${new Date().toISOString()}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
});
