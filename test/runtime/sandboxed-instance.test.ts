// Instances under the sandbox: the release read-only at /app, a writable /scratch kept across
// restarts, a graceful SIGTERM that reaches the app (bwrap itself is spared until SIGKILL),
// and an instance over its limit restarted with the limit named.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it, test } from 'node:test';
import { tmpdir } from 'node:os';
import { Supervisor } from '../../src/runtime/process/supervisor.ts';
import { openSandbox } from '../../src/sandbox/open-sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/sandbox-limits.ts';
import { get, isGone, makeFixture, readLog, waitFor } from './fixtures.ts';
import type { Fixture } from './fixtures.ts';

const PATH = '/usr/local/bin:/usr/bin:/bin';

void describe('sandboxed instances', () => {
  let fx: Fixture;
  const supervisors: Supervisor[] = [];
  const pids = new Set<number>();

  const supervisor = async (): Promise<Supervisor> => {
    const sup = new Supervisor({
      path: PATH,
      home: tmpdir(),
      graceMs: 3000,
      backoff: { initialMs: 20, maxMs: 200 },
      sandbox: await openSandbox(PATH),
      scratchDir: `${fx.dir}/scratch`,
      onChange: (s) => void (s.pid !== null && pids.add(s.pid)),
    });
    supervisors.push(sup);
    return sup;
  };

  before(() => {
    fx = makeFixture();
  });
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((sup) => sup.stopAll()));
    for (const pid of pids) assert.ok(isGone(pid), `process ${pid} is left behind`);
  });
  after(() => fx.cleanup());

  void it('runs in its release at /app, read-only, with /scratch writable and HOME in the private /tmp', async () => {
    const sup = await supervisor();
    const probe = `pwd; touch /app/x 2>&1 || true; echo kept > /scratch/f && cat /scratch/f; echo "home=$HOME"; test -e ${JSON.stringify(fx.dir)} && echo HOST-PATH-VISIBLE; exec node server.js`;
    sup.start(fx.spec('where', probe));
    const ready = await sup.waitReady('where', 20_000);
    assert.equal((await get(ready.port!, '/')).status, 200);
    const lines = readLog(fx.logFile('where')).map((l) => l.line);
    assert.equal(lines[0], '/app');
    assert.match(lines[1] ?? '', /Read-only file system/);
    assert.equal(lines[2], 'kept');
    assert.equal(lines[3], 'home=/tmp');
    assert.ok(!lines.includes('HOST-PATH-VISIBLE'));
  });

  void it('stops gracefully: SIGTERM reaches the app inside the sandbox', async () => {
    const sup = await supervisor();
    sup.start(fx.spec('graceful', 'exec node server.js'));
    await sup.waitReady('graceful', 20_000);
    await sup.stop('graceful');
    await waitFor('the SIGTERM line', () => readLog(fx.logFile('graceful')).some((l) => l.line.includes('got SIGTERM')));
  });

  void test('an instance over its limit is restarted with the limit named', async () => {
    const sup = await supervisor();
    const spec = { ...fx.spec('bigfile', 'exec head -c 3000000 /dev/zero > /scratch/big'), limits: { ...DEFAULT_SANDBOX_LIMITS, fileSizeBytes: 1024 ** 2 } };
    sup.start(spec);
    let reason = '';
    await waitFor('a restart naming the limit', () => {
      const s = sup.status('bigfile');
      if (s?.reason?.includes('limit')) reason = s.reason;
      return reason !== '';
    }, 20_000);
    assert.match(reason, /file-size limit \(limits\.fileSize: 1MiB\)/);
    assert.ok(readLog(fx.logFile('bigfile')).some((l) => /sluice: the instance ended: the sandbox's file-size limit/.test(l.line)));
  });
});
