import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { tmpdir } from 'node:os';
import { RuntimeError } from '../../src/errors.ts';
import { Supervisor, killProcessGroup } from '../../src/runtime/process/supervisor.ts';
import type { InstanceState, InstanceStatus, SupervisorOptions } from '../../src/runtime/process/supervisor.ts';
import { get, isGone, makeFixture, readLog, waitFor } from './fixtures.ts';
import type { Fixture } from './fixtures.ts';

const node = JSON.stringify(process.execPath);

void describe('Supervisor (real child processes)', () => {
  let fx: Fixture;
  const supervisors: Supervisor[] = [];
  const pids = new Set<number>();
  const states = new Map<string, InstanceState[]>();

  const supervisor = (opts: Partial<SupervisorOptions> = {}): Supervisor => {
    const sup = new Supervisor({
      path: process.env.PATH ?? '/usr/bin:/bin',
      home: tmpdir(),
      graceMs: 3000,
      backoff: { initialMs: 20, maxMs: 200 },
      onChange: (status: InstanceStatus) => {
        states.set(status.id, [...(states.get(status.id) ?? []), status.state]);
        if (status.pid !== null) pids.add(status.pid);
      },
      ...opts,
    });
    supervisors.push(sup);
    return sup;
  };
  const remember = (status: InstanceStatus): InstanceStatus => {
    if (status.pid !== null) pids.add(status.pid);
    return status;
  };

  before(() => {
    fx = makeFixture();
  });
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((sup) => sup.stopAll()));
    for (const pid of pids) assert.ok(isGone(pid), `process ${pid} is left behind`);
  });
  after(() => fx.cleanup());

  void it('starts an instance that becomes ready and answers on its PORT, with only the given env', async () => {
    process.env.SLUICE_TEST_MARKER = 'must-not-leak';
    try {
      const sup = supervisor();
      const first = sup.start(fx.spec('envcheck', `${node} server.js`, null, { GREETING: 'hi' }));
      assert.equal(first.state, 'starting');
      assert.deepEqual(sup.start(fx.spec('envcheck', 'ignored')).state, 'starting', 'start is idempotent per id');
      const ready = remember(await sup.waitReady('envcheck', 10_000));
      assert.equal(ready.state, 'ready');
      assert.ok(ready.port !== null && ready.pid !== null && ready.readyAt !== null);
      assert.deepEqual(ready.labels, { test: 'yes' });
      const env = JSON.parse((await get(ready.port, '/env')).body) as Record<string, string>;
      assert.equal(env.PORT, String(ready.port));
      assert.equal(env.GREETING, 'hi');
      assert.equal(env.PATH, process.env.PATH);
      assert.equal(env.HOME, tmpdir());
      assert.equal(env.SLUICE_TEST_MARKER, undefined);
      assert.deepEqual(states.get('envcheck'), ['starting', 'ready']);
      assert.deepEqual(sup.list().map((s) => s.id), ['envcheck']);
    } finally {
      delete process.env.SLUICE_TEST_MARKER;
    }
  });

  void it('fails a command that exits at once, with its exit code and stderr in the reason', async () => {
    const sup = supervisor();
    sup.start(fx.spec('exits', `${node} ./does-not-exist.js`));
    await assert.rejects(sup.waitReady('exits', 20_000), (error: unknown) => {
      assert.ok(error instanceof RuntimeError);
      assert.match(error.message, /start command exited with code 1 before becoming ready: Error: Cannot find module/);
      return true;
    });
    const status = sup.status('exits');
    assert.equal(status?.state, 'failed');
    assert.equal(status?.restarts, 4);
    assert.equal(status?.lastExit?.code, 1);
    assert.deepEqual(states.get('exits')?.slice(0, 4), ['starting', 'crashed', 'backoff', 'starting']);
    // Once failed, waitReady rejects at once.
    await assert.rejects(sup.waitReady('exits', 60_000), /Cannot find module/);
  });

  void it('fails an instance whose health check never passes within the deadline and stops its process', async () => {
    const sup = supervisor();
    const spec = fx.spec('silent', `${node} silent.js`, { path: '/health', intervalMs: 100, timeoutMs: 200, deadlineMs: 1500 });
    sup.start(spec);
    await waitFor('a pid', () => sup.status('silent')?.pid != null);
    const pid = remember(sup.status('silent')!).pid!;
    await assert.rejects(sup.waitReady('silent', 20_000), /health check \/health did not pass within 1500 ms \(last: no response within 200 ms\)/);
    assert.equal(sup.status('silent')?.state, 'failed');
    await waitFor('the failed process to be gone', () => isGone(pid));
  });

  void it('restarts a crashed instance with a new pid and becomes ready again', async () => {
    const sup = supervisor();
    sup.start(fx.spec('crashy', `${node} server.js`));
    const first = remember(await sup.waitReady('crashy', 10_000));
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('a restart', () => (sup.status('crashy')?.restarts ?? 0) >= 1);
    const second = remember(await sup.waitReady('crashy', 10_000));
    assert.notEqual(second.pid, first.pid);
    assert.equal(second.restarts, 1);
    assert.equal(second.lastExit?.signal, 'SIGKILL');
    assert.ok(second.port !== null);
    assert.match((await get(second.port, '/')).body, /hello from/);
    assert.deepEqual(states.get('crashy'), ['starting', 'ready', 'crashed', 'backoff', 'starting', 'ready']);
  });

  void it('marks a ready instance unhealthy after 3 failed checks and ready again on a pass', async () => {
    const sup = supervisor();
    sup.start(fx.spec('flaky', `${node} server.js`));
    const ready = remember(await sup.waitReady('flaky', 10_000));
    await get(ready.port!, '/sick');
    await waitFor('unhealthy', () => sup.status('flaky')?.state === 'unhealthy');
    assert.match(sup.status('flaky')?.reason ?? '', /health check \/health failed 3 times in a row: HTTP 500/);
    assert.equal(sup.status('flaky')?.pid, ready.pid, 'an unhealthy instance keeps running');
    await get(ready.port!, '/well');
    await sup.waitReady('flaky', 10_000);
    assert.deepEqual(states.get('flaky'), ['starting', 'ready', 'unhealthy', 'ready']);
  });

  void it('stop sends SIGTERM, then forgets the instance; logs are JSON lines of both streams', async () => {
    const sup = supervisor();
    sup.start(fx.spec('graceful', `${node} server.js`));
    const ready = remember(await sup.waitReady('graceful', 10_000));
    await get(ready.port!, '/long');
    await sup.stop('graceful');
    assert.equal(sup.status('graceful'), undefined);
    assert.deepEqual(sup.list(), []);
    assert.ok(isGone(ready.pid!));
    assert.deepEqual(states.get('graceful')?.slice(-2), ['stopping', 'stopped']);
    const log = readLog(fx.logFile('graceful'));
    assert.ok(log.every((r) => typeof r.ts === 'string' && !Number.isNaN(Date.parse(r.ts))));
    assert.ok(log.some((r) => r.stream === 'stdout' && r.line === `listening on ${ready.port}`));
    assert.ok(log.some((r) => r.stream === 'stderr' && r.line === 'a line on stderr'));
    assert.ok(log.some((r) => r.stream === 'stdout' && r.line === 'got SIGTERM, partial line'), 'partial last line flushed');
    const long = log.find((r) => r.truncated);
    assert.equal(long?.line.length, 16 * 1024);
  });

  void it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const sup = supervisor();
    sup.start(fx.spec('stubborn', `${node} stubborn.js`, null));
    const ready = remember(await sup.waitReady('stubborn', 10_000));
    await sup.stop('stubborn', { graceMs: 400 });
    assert.ok(isGone(ready.pid!));
    assert.deepEqual(sup.list(), []);
    assert.ok(readLog(fx.logFile('stubborn')).some((r) => r.line === 'ignoring SIGTERM'));
  });

  void it('stop kills the whole process group, grandchildren included', async () => {
    const sup = supervisor();
    sup.start(fx.spec('parent', `${node} parent.js`, null));
    const ready = remember(await sup.waitReady('parent', 10_000));
    const grandchild = Number((await get(ready.port!, '/')).body);
    assert.ok(grandchild > 0 && !isGone(grandchild));
    pids.add(grandchild);
    await sup.stop('parent');
    assert.ok(isGone(ready.pid!));
    await waitFor('the grandchild to be gone', () => isGone(grandchild), 3000);
  });

  void it('stop during backoff and stopAll leave nothing behind', async () => {
    const sup = supervisor({ backoff: { initialMs: 5000, maxMs: 5000 } });
    sup.start(fx.spec('backing', `${node} -e "process.exit(3)"`));
    sup.start(fx.spec('other', `${node} server.js`));
    await waitFor('backoff', () => sup.status('backing')?.state === 'backoff');
    remember(await sup.waitReady('other', 10_000));
    const waiting = assert.rejects(sup.waitReady('backing', 60_000), /stopped before it became ready/);
    await sup.stopAll();
    await waiting;
    assert.deepEqual(sup.list(), []);
    await assert.rejects(sup.waitReady('backing', 10), { code: 'not_found' });
  });

  void it('killProcessGroup ignores a group that is gone and refuses pids 0 and 1', () => {
    assert.equal(killProcessGroup(2 ** 22 + 12345, 'SIGTERM'), false);
    assert.throws(() => killProcessGroup(0, 'SIGTERM'), RangeError);
    assert.throws(() => killProcessGroup(1, 'SIGTERM'), RangeError);
  });
});
