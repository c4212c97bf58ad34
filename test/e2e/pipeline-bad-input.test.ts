// Bad input gets a clear error (exit 1, a message naming the problem) and changes nothing:
// invalid project names, missing repositories and branches, duplicates, unknown refs and
// runs, and a server started on a port that is in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bin, root, sleep, tempDir, TestRepo, TestServer } from './harness.ts';

const pipeline = 'build:\n  - run: "true"\ntest:\n  - run: "true"\n';

void test('project add refuses bad names, repositories and branches and creates nothing', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': pipeline });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const projects = async (): Promise<string[]> => (await server.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name);
  assert.deepEqual(await projects(), []);

  for (const bad of ['has space', 'a/b', 'Upper', 'trailing-', 'under_score', 'x'.repeat(64)]) {
    const r = await server.cli(['project', 'add', bad, '--repo', repo.dir]);
    assert.equal(r.code, 1, `${bad}: ${r.stdout}`);
    assert.match(r.stderr, /lowercase letters, digits and hyphens/, bad);
  }
  assert.deepEqual(await projects(), []);

  const nowhere = path.join(tempDir('gone'), 'no-such-repo');
  const missing = await server.cli(['project', 'add', 'missing', '--repo', nowhere]);
  assert.equal(missing.code, 1);
  assert.ok(missing.stderr.includes('no-such-repo'), `names the repository: ${missing.stderr}`);
  fs.rmSync(path.dirname(nowhere), { recursive: true, force: true });

  const branch = await server.cli(['project', 'add', 'nobranch', '--repo', repo.dir, '--branch', 'nope']);
  assert.equal(branch.code, 1);
  assert.match(branch.stderr, /nope/);
  assert.deepEqual(await projects(), []);

  assert.equal((await server.cli(['project', 'add', 'good', '--repo', repo.dir])).code, 0);
  const dup = await server.cli(['project', 'add', 'good', '--repo', repo.dir]);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
  assert.deepEqual(await projects(), ['good']);
  assert.equal(fs.existsSync(path.join(server.dataDir, 'repos', 'missing.git')), false, 'no mirror kept for a refused project');

  const ref = await server.cli(['trigger', 'good', '--ref', 'nope']);
  assert.equal(ref.code, 1);
  assert.match(ref.stderr, /ref "nope" not found/);
  const unknownProject = await server.cli(['trigger', 'no-such-project']);
  assert.equal(unknownProject.code, 1);
  assert.match(unknownProject.stderr, /not found/);
  const run = await server.cli(['run', 'no-such-id']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /not found/);
  const runs = await server.json<Array<{ trigger: string }>>(['runs', 'good']);
  assert.ok(runs.every((r) => r.trigger === 'poll'), 'the refused trigger queued nothing');
});

void test('a server started on a port in use exits 1 saying so and leaves nothing running', async (t) => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  const dataDir = tempDir('busy');
  t.after(() => {
    busy.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const child = spawn(process.execPath, [bin, 'server', '--data', dataDir, '--port', String(port), '--router-port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 30_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 1, output);
  assert.match(output, new RegExp(`port ${port}.*in use`));
  // The port check comes first: no data plane was started for this data directory.
  await sleep(300);
  assert.equal(fs.existsSync(path.join(dataDir, 'logs', 'dataplane.log')), false, 'no data plane started');
  assert.equal(fs.existsSync(path.join(dataDir, 'dataplane.sock')), false);
});
