import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestRepo, TestServer, viaRouter } from './harness.ts';

const pipeline = `build:
  - run: echo "building $(cat VERSION)"
test:
  - name: unit
    run: test -s VERSION
services:
  web:
    start: node server.js
    health: /healthz
environments:
  staging:
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production: { bake: 0 }
`;
const app = `const http = require('node:http');
const fs = require('node:fs');
const v = fs.readFileSync(__dirname + '/VERSION', 'utf8').trim();
const s = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : v));
s.listen(Number(process.env.PORT));
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

void test('a commit reaches production by itself, and the next one replaces it', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': pipeline, 'server.js': app, VERSION: 'v1\n' });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  assert.equal((await server.cli(['project', 'add', 'smoke', '--repo', repo.dir])).code, 0);
  const first = await server.waitRun('smoke', repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  assert.equal(first.trigger, 'poll');
  const host = 'production.smoke.localhost';
  assert.deepEqual(await viaRouter(server.routerPort, host), { status: 200, body: 'v1' });
  const sha = repo.commit('v2', { VERSION: 'v2\n' });
  const second = await server.waitRun('smoke', sha);
  assert.equal(second.state, 'succeeded');
  assert.deepEqual(await viaRouter(server.routerPort, host), { status: 200, body: 'v2' });
});
