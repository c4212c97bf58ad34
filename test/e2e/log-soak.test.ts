// Soak: a service writes 20 MiB of log lines a minute for 5 minutes (SLUICE_SOAK_MINUTES) under
// `--instance-log-max 20MiB`. The data directory is sampled every 2 s and must stay within the cap
// plus a margin (below), and `sluice logs NAME --env ENV` must still show the newest lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sleep, viaRouter } from './harness.ts';
import { deployedProject, prodHost } from './fixtures.ts';

const MiB = 1024 * 1024;
const cap = 20 * MiB;
const minutes = Number(process.env.SLUICE_SOAK_MINUTES ?? 5);
/**
 * What the data directory may hold beyond the instance-log cap: the SQLite database and its WAL,
 * the artifact, the unpacked release, the git mirror and the data plane's own log (about 1 MiB
 * together here), plus the lines a stream still flushes into a file rotated a moment ago.
 */
const margin = 5 * MiB;

/** Writes `soak SEQ xxx…` lines (96 bytes) at SOAK_BYTES_PER_MIN; GET /stop stops and prints `final SEQ`. */
const soakJs = `const http = require('node:http');
const perMs = Number(process.env.SOAK_BYTES_PER_MIN) / 60000;
const pad = 'x'.repeat(80);
const start = Date.now();
let seq = 0, written = 0, writing = true;
function pump() {
  if (!writing) return;
  const due = (Date.now() - start) * perMs;
  const lines = [];
  while (written < due) { lines.push('soak ' + String(++seq).padStart(9, '0') + ' ' + pad); written += 96; }
  if (lines.length) process.stdout.write(lines.join('\\n') + '\\n');
  setTimeout(pump, 50);
}
const s = http.createServer((req, res) => {
  if (req.url === '/stop') { writing = false; console.log('final ' + seq); return res.end(String(seq)); }
  res.end('ok');
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => { console.log('listening'); pump(); });
process.on('SIGTERM', () => process.exit(0));
`;

const pipeline = `build:
  - run: "true"
test:
  - run: "true"
services:
  web:
    start: node soak.js
    health: /healthz
    env: { SOAK_BYTES_PER_MIN: "${20 * MiB}" }
environments:
  production: {}
`;

/** Apparent size of every file under `dir` (files may come and go while it walks). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(p);
    else if (e.isFile()) total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

void test(`a service logging 20 MiB/min for ${minutes} min stays within a 20 MiB cap; logs show the newest lines`, { timeout: (minutes + 10) * 60_000 }, async (t) => {
  const { server } = await deployedProject(t, 'soak', { 'sluice.yaml': pipeline, 'soak.js': soakJs }, { args: ['--instance-log-max', '20MiB', '--log-store-max', '8MiB'] });
  const logsDir = path.join(server.dataDir, 'logs', 'instances');
  const baseline = await sizeOf(server.dataDir);
  let maxData = 0;
  let maxLogs = 0;
  const samples: number[] = [];
  const end = Date.now() + minutes * 60_000;
  while (Date.now() < end) {
    const [data, logs] = [await sizeOf(server.dataDir), await sizeOf(logsDir)];
    samples.push(data);
    maxData = Math.max(maxData, data);
    maxLogs = Math.max(maxLogs, logs);
    assert.ok(data <= cap + margin, `the data directory holds ${(data / MiB).toFixed(1)} MiB (cap ${cap / MiB} MiB + margin ${margin / MiB} MiB)`);
    await sleep(2000);
  }
  const stop = await viaRouter(server.routerPort, prodHost('soak'), '/stop');
  assert.equal(stop.status, 200);
  const last = Number(stop.body);
  const wrote = last * 96;
  t.diagnostic(`service wrote ${(wrote / MiB).toFixed(1)} MiB in ${minutes} min; data directory at start ${(baseline / MiB).toFixed(1)} MiB, max ${(maxData / MiB).toFixed(1)} MiB; instance logs max ${(maxLogs / MiB).toFixed(1)} MiB; ${samples.length} samples`);
  assert.ok(wrote >= minutes * 20 * MiB * 0.9, `the service wrote ${(wrote / MiB).toFixed(1)} MiB`);
  assert.ok(maxLogs <= cap + MiB, `instance logs peaked at ${(maxLogs / MiB).toFixed(2)} MiB`);

  // The newest lines: the last is `final N`, and the 1000 lines shown end with soak N-998 … soak N.
  const lines = await server.waitFor(
    'the final line in sluice logs',
    async () => {
      const r = await server.cli(['logs', 'soak', '--env', 'production', '--grep', 'source:instance', '--json'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const parsed = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: string });
      return parsed.at(-1)?.line === `final ${last}` && parsed;
    },
    30_000,
  );
  assert.equal(lines.length, 1000);
  const seqs = lines.slice(0, -1).map((l) => Number(l.line.split(' ')[1]));
  assert.deepEqual(seqs, Array.from({ length: 999 }, (_, i) => last - 998 + i));
});
