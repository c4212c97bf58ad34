// Running as a service: the data plane started by its own unit is adopted by a server started
// with --no-start-data-plane (in either order), and both log one JSON object per line with
// --log-format json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDataPlane } from '../../src/server/ensure-data-plane.ts';
import { RuntimeError } from '../../src/errors.ts';
import { alive, bin, freePort, root, tempDir, TestServer } from './harness.ts';

interface JsonLine {
  level: number;
  time: string;
  name: string;
  pid: number;
  msg: string;
}

function jsonLines(text: string): JsonLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as JsonLine;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

/** `sluice dataplane` as its own service would run it; ended by pid with the test. */
function startDataPlane(dataDir: string, routerPort: number, args: string[] = []): number {
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  const out = fs.openSync(path.join(dataDir, 'logs', 'dataplane.log'), 'a');
  const child = spawn(process.execPath, [bin, 'dataplane', '--data', dataDir, '--router-port', String(routerPort), ...args], { cwd: root, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  child.unref();
  return child.pid!;
}

void test('--log-format json: the server and the data plane it starts log one JSON object per line', async (t) => {
  const server = await TestServer.start(['--log-format', 'json']);
  t.after(() => server.close());
  const lines = jsonLines(server.log);
  assert.ok(lines.some((l) => l.name === 'server' && /^sluice server: API on /.test(l.msg) && typeof l.time === 'string' && l.level === 30), server.log);
  const dpLines = jsonLines(fs.readFileSync(path.join(server.dataDir, 'logs', 'dataplane.log'), 'utf8'));
  assert.ok(
    dpLines.some((l) => l.name === 'dataplane' && /^data plane \d+: router on/.test(l.msg)),
    JSON.stringify(dpLines),
  );
});

void test('--log-format refuses an unknown format', async () => {
  const dir = tempDir('logfmt');
  try {
    const { runCli } = await import('./harness.ts');
    const r = await runCli(['server', '--data', dir, '--port', String(await freePort()), '--log-format', 'xml']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--log-format must be one of text, json, got "xml"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('--no-start-data-plane: a server started before its data plane waits for it and adopts it', async (t) => {
  const dataDir = tempDir('svc');
  const routerPort = await freePort();
  let dpPid = 0;
  t.after(() => {
    if (dpPid && alive(dpPid)) process.kill(dpPid, 'SIGKILL');
  });
  // The server first (systemd may start both units at once), its data plane a moment later.
  const starting = TestServer.startAt(dataDir, ['--no-start-data-plane']);
  // The server creates the master key just before it looks for the data plane.
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(path.join(dataDir, 'master.key')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  dpPid = startDataPlane(dataDir, routerPort);
  const server = await starting;
  t.after(() => server.close());
  assert.match(server.log, /waiting for the data plane on .* \(it is started by its own service, not by this server\)/);
  assert.match(server.log, new RegExp(`adopted the running data plane \\(pid ${dpPid}, router port ${routerPort}\\)`));
  assert.doesNotMatch(server.log, /started the data plane/);
  assert.equal(server.dataPlanePid(), dpPid);
});

void test('--no-start-data-plane never starts one: without a data plane the start fails with the fix', async (t) => {
  const dataDir = tempDir('svc-none');
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const logs: string[] = [];
  await assert.rejects(
    ensureDataPlane({ dataDir, routerPort: 0, routerHost: '127.0.0.1', binPath: bin, env: {}, log: (l) => logs.push(l), start: false, waitMs: 500 }),
    (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.match(e.message, /no data plane answered on .* within 1 s: start it \(systemctl start sluice-dataplane, or sluice dataplane --data .*\), or drop --no-start-data-plane/);
      return true;
    },
  );
  assert.ok(!fs.existsSync(path.join(dataDir, 'logs', 'dataplane.log')), 'no data plane was started');
});
