// The per-instance shim on its own: it starts the instance in a process group of its own,
// redacts and writes its output, records its exit durably, and can be adopted by a caller
// that did not start it. Two supervisors on one status directory stand for a data plane and
// its successor.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStat } from '../../src/runtime/process/process-group.ts';
import { parseShimEvent, readStatusFile } from '../../src/runtime/process/shim/shim-schemas.ts';
import { adoptShim, spawnShim } from '../../src/runtime/process/shim/spawn-shim.ts';
import { Supervisor } from '../../src/runtime/process/supervisor.ts';
import { get, isGone, makeFixture, readLog, waitFor } from './fixtures.ts';

void test('the shim redacts the secret values it was given on stdin and records the exit code and stderr tail', async (t) => {
  const fx = makeFixture();
  t.after(() => fx.cleanup());
  const statusFile = join(fx.dir, 'shims', 'a.json');
  const handle = await spawnShim({
    command: 'echo "token=$TOKEN"; echo "bad: $TOKEN" >&2; exit 3',
    cwd: fx.dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TOKEN: 's3cr3t-value' },
    secrets: ['s3cr3t-value'],
    logFile: fx.logFile('a'),
    statusFile,
    port: 1,
  });
  const exit = await handle.exit;
  await handle.gone;
  assert.equal(exit.code, 3);
  assert.deepEqual(exit.stderrTail, ['bad: ***']);
  assert.deepEqual(
    readLog(fx.logFile('a')).map((r) => [r.stream, r.line]).sort(),
    [
      ['stderr', 'bad: ***'],
      ['stdout', 'token=***'],
    ],
  );
  assert.equal(readStatusFile(statusFile)?.exit?.code, 3, 'the exit is on disk for a later data plane');
});

void test('a second supervisor adopts a running instance (same pid, ready, serving) and stops it; the shim then ends', async (t) => {
  const fx = makeFixture();
  t.after(() => fx.cleanup());
  const opts = { path: process.env.PATH ?? '/usr/bin:/bin', home: fx.dir, graceMs: 2000, shimDir: join(fx.dir, 'shims') };
  const first = new Supervisor(opts);
  const spec = fx.spec('web', `exec "${process.execPath}" server.js`);
  first.start(spec);
  const ready = await first.waitReady('web', 20_000);
  const status = readStatusFile(join(fx.dir, 'shims', 'web.json'));
  assert.ok(status && ready.pid === status.pid);
  assert.equal(readStat(ready.pid)?.pgrp, ready.pid, 'the instance leads its own process group');

  const second = new Supervisor(opts);
  const adopted = second.adopt(spec);
  assert.equal(adopted?.pid, ready.pid);
  const again = await second.waitReady('web', 10_000);
  assert.equal(again.port, ready.port);
  assert.equal((await get(again.port!, '/health')).status, 200);
  assert.equal(second.adopt(fx.spec('other', 'true')), null, 'nothing to adopt without a status file');

  await second.stop('web');
  await waitFor('the instance and its shim to end', () => isGone(ready.pid!) && isGone(status.shimPid), 10_000);
  assert.equal(existsSync(join(fx.dir, 'shims', 'web.json')), false, 'its status file is gone with it');
  assert.ok('exited' in adoptShim(join(fx.dir, 'shims', 'web.json')));
  await first.stopAll(); // it still believed it ran the instance: stopping it again is harmless
});

void test('readStatusFile checks the shape with zod: a status that does not match is no status; events the same', async (t) => {
  const fx = makeFixture();
  t.after(() => fx.cleanup());
  const file = join(fx.dir, 'status.json');
  const good = { shimPid: 10, pid: 11, port: 3000, startedAt: '2030-01-01T00:00:00.000Z', exit: { code: null, signal: 'SIGTERM', at: '2030-01-01T00:00:01.000Z', stderrTail: ['bye'] } };
  writeFileSync(file, JSON.stringify(good));
  assert.deepEqual(readStatusFile(file), good);
  for (const bad of [{ ...good, pid: '11' }, { ...good, port: 70000 }, { ...good, exit: { ...good.exit, stderrTail: [1] } }, { ...good, exit: undefined }, [good], null]) {
    writeFileSync(file, JSON.stringify(bad));
    assert.equal(readStatusFile(file), undefined, JSON.stringify(bad));
  }
  writeFileSync(file, '{"shimPid": 10, "pid"');
  assert.equal(readStatusFile(file), undefined, 'cut by a crash');
  assert.equal(readStatusFile(join(fx.dir, 'absent.json')), undefined);
  assert.deepEqual(parseShimEvent('{"pid":12}'), { pid: 12 });
  assert.equal(parseShimEvent('{"pid":"12"}'), null);
  assert.equal(parseShimEvent('listening on 3000'), null);
});
