// SIGKILL of the data plane under load: the server starts a new one at once, which adopts the
// running instance (same pid) through its shim. No output line of the instance is lost or
// stored twice, its secret never reaches a file, and `status` says the data plane is down
// while it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { instanceLogPath, socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { alive, TestRepo, TestServer, viaRouter } from './harness.ts';
import { dataPlaneInstances, prodHost, startLoad } from './fixtures.ts';
import { grantSecrets, needlesOf, randomSecret, scanDir, setSecret } from './secrets-kit.ts';

// Serves its version; writes a numbered line with its secret every 2 ms on stdout (odd) and stderr (even).
const app = `const http = require('node:http');
let n = 0;
const timer = setInterval(() => { n += 1; (n % 2 ? process.stdout : process.stderr).write('n=' + n + ' token=' + process.env.TOKEN + '\\n'); }, 2);
const s = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : 'v1'));
s.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { clearInterval(timer); s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

const spec = `build:
  - run: echo build
test:
  - name: unit
    run: test -s server.js
services:
  web:
    start: node server.js
    health: /healthz
environments:
  staging:
    secrets: [app]
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    secrets: [app]
`;

interface Status {
  dataPlane?: string;
  environments: Array<{ name: string; state: string; dataPlane?: string }>;
}

void test('SIGKILL of the data plane: restarted at once, the instance adopted with the same pid, no log line lost or doubled, no secret stored, status down meanwhile', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': spec, 'server.js': app });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const secret = randomSecret(false);
  await setSecret(server, 'app', 'TOKEN', secret);
  await grantSecrets(server, 'phoenix', ['app']);
  assert.equal((await server.cli(['project', 'add', 'phoenix', '--repo', repo.dir])).code, 0);
  const run = await server.waitRun('phoenix', repo.head(), 120_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  const host = prodHost('phoenix');
  const before = (await dataPlaneInstances(server)).find((i) => i.labels.project === 'phoenix' && i.labels.environment === 'production' && i.state === 'ready');
  assert.ok(before?.pid, 'the production instance runs');
  const oldDp = server.dataPlanePid();
  assert.ok(oldDp && alive(oldDp));

  const load = startLoad(server.routerPort, host, { concurrency: 4, rps: 200, max: 100_000, maxMs: 120_000 });
  let loadStopped = false;
  t.after(async () => {
    if (!loadStopped) await load.stop();
  });
  await server.waitFor('requests before the kill', async () => load.sent() >= 100);
  const killedAt = Date.now();
  process.kill(oldDp, 'SIGKILL');

  // Seen down through the API before the new data plane answers (it needs far longer to start than one status call).
  const down = await server.api<Status>('GET', '/api/projects/phoenix/status');
  assert.equal(down.body.dataPlane, 'down', JSON.stringify(down.body));
  const prodDown = down.body.environments.find((e) => e.name === 'production');
  assert.deepEqual([prodDown?.state, prodDown?.dataPlane], ['degraded', 'down']);

  const client = new DataPlaneClient(socketPathOf(server.dataDir));
  const newDp = await server.waitFor(
    'a new data plane',
    async () => {
      const h = await client.health();
      return h && h.pid !== oldDp ? h.pid : null;
    },
    60_000,
  );
  const backAfterMs = Date.now() - killedAt;
  await server.waitFor('production to serve again', async () => (await viaRouter(server.routerPort, host)).status === 200, 30_000);
  const diedLine = server.log.split('\n').find((l) => l.includes(`the data plane (pid ${oldDp}) died`));
  assert.ok(diedLine, server.log);
  const noticedAfterMs = Date.parse(diedLine.slice(0, 24)) - killedAt;
  assert.ok(noticedAfterMs < 1000, `the server noticed the death after ${noticedAfterMs} ms`);
  // The test may see the new data plane answer before the server's own poll of it does.
  await server.waitFor('the server to log the new data plane', async () => new RegExp(`the data plane is back \\(pid ${newDp}\\)`).test(server.log), 30_000);

  const after = (await dataPlaneInstances(server)).find((i) => i.id === before.id);
  assert.equal(after?.pid, before.pid, 'the instance was adopted, not restarted');
  assert.equal(after?.state, 'ready');
  const status = await server.api<Status>('GET', '/api/projects/phoenix/status');
  assert.equal(status.body.dataPlane, 'up');
  assert.equal(status.body.environments.find((e) => e.name === 'production')?.state, 'healthy');

  loadStopped = true;
  const result = await load.stop();
  t.diagnostic(`data plane back after ${backAfterMs} ms (death noticed after ${noticedAfterMs} ms); ${result.failed} of ${result.sent} requests failed`);

  // Every numbered line once, in order of numbers, redacted. The instance keeps writing: stop it first.
  await client.request('DELETE', `/instances/${encodeURIComponent(before.id)}`);
  const records = fs
    .readFileSync(instanceLogPath(server.dataDir, before.id), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: string });
  const numbers = records.flatMap((r) => {
    const m = /^n=(\d+) token=(.*)$/.exec(r.line);
    if (!m) return [];
    assert.equal(m[2], '***', `redacted: ${r.line.slice(0, 80)}`);
    return [Number(m[1])];
  });
  const sorted = [...numbers].sort((a, b) => a - b);
  assert.ok(sorted.length > 500, `${sorted.length} lines`);
  assert.equal(new Set(sorted).size, sorted.length, 'no line twice');
  assert.equal(sorted[0], 1);
  assert.equal(sorted.at(-1), sorted.length, 'no line missing');
  const { leaks } = scanDir(server.dataDir, needlesOf({ TOKEN: secret }));
  assert.deepEqual(leaks, []);
});
