// The CLI names runs PROJECT#NUMBER and takes that name back as RUN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../e2e/harness.ts';

const run = {
  id: '6f1c0f0e-0000-4000-8000-000000000002', number: 2, project: 'app', commit: 'a'.repeat(40), branch: 'main', state: 'succeeded', trigger: 'manual',
  message: 'm', author: 'Ada', createdAt: '2030-01-01T00:00:00.000Z', startedAt: null, finishedAt: null, stages: [],
};

void test('`sluice run app#2` and `sluice logs app#2` ask for app#2; runs show as PROJECT#NUMBER', async (t) => {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    const url = req.url ?? '';
    const logs = url.includes('/logs?after=0') ? [{ id: 1, at: run.createdAt, stream: 'stdout', line: 'hello' }] : [];
    res.end(JSON.stringify(url.startsWith('/api/projects/') ? [run] : url.includes('/logs') ? logs : run));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const one = await runCli(['run', 'app#2'], { server: base });
  assert.equal(one.code, 0, one.stderr);
  assert.equal(asked[0], '/api/runs/app%232');
  assert.match(one.stdout, /^run app#2 \(/);
  const list = await runCli(['runs', 'app'], { server: base });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^RUN\s+STATE/);
  assert.match(list.stdout, /\napp#2\s+succeeded/);
  const logs = await runCli(['logs', 'app#2'], { server: base });
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, 'hello\n');
  assert.deepEqual(asked.slice(-2), ['/api/runs/app%232/logs?after=0', '/api/runs/app%232/logs?after=1']);
});
