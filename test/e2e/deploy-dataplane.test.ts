// The data plane outlives the control plane: SIGKILL and restart of the server lose no
// request and start nothing twice; SIGTERM leaves production serving; `sluice down` ends it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { alive, runCli, viaRouter } from './harness.ts';
import { appFiles, dataPlaneInstances, deployedProject, pidsBehind, prodBody, prodHost, startLoad } from './fixtures.ts';

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

void test('SIGKILL of the server under load drops no request; the restarted server adopts the data plane and its instances', async (t) => {
  const { server } = await deployedProject(t, 'sturdy', appFiles('v1', { instances: 2 }));
  const host = prodHost('sturdy');
  const dpPid = server.dataPlanePid();
  assert.ok(dpPid && alive(dpPid), 'the data plane runs');
  const pidsBefore = await pidsBehind(server, host);
  assert.equal(pidsBefore.size, 2);
  const load = startLoad(server.routerPort, host, { concurrency: 4, rps: 100, max: 3000, maxMs: 60_000 });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await load.stop();
  });
  await server.waitFor('requests before the kill', async () => load.sent() >= 50);
  await server.kill9();
  const atKill = load.sent();
  // Counted, not timed: 100 requests answered while the server is down.
  await server.waitFor('requests while the server is down', async () => load.sent() >= atKill + 100, 30_000);
  assert.notEqual(server.child?.exitCode ?? server.child?.signalCode ?? null, null, 'the server was down throughout');
  assert.equal(await prodBody(server, 'sturdy'), 'v1');
  await server.launch();
  const atLaunch = load.sent();
  await server.waitFor('requests after the restart', async () => load.sent() >= atLaunch + 100);
  stopped = true;
  const result = await load.stop();
  assert.equal(result.failed, 0, `${result.failed} of ${result.sent} failed: ${result.failures.join(' | ')}`);
  assert.deepEqual([...result.bodies.keys()], ['v1']);
  assert.equal(server.dataPlanePid(), dpPid, 'no second data plane was started');
  assert.ok(alive(dpPid));
  assert.match(server.log, new RegExp(`adopted the running data plane \\(pid ${dpPid}`));
  assert.deepEqual([...(await pidsBehind(server, host))].sort(), [...pidsBefore].sort(), 'the same instance processes serve');
  const instances = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'sturdy' && i.labels.environment === 'production');
  assert.equal(instances.length, 2, JSON.stringify(instances));
  const status = await server.json<{ environments: Array<{ name: string; state: string }> }>(['status', 'sturdy']);
  assert.equal(status.environments.find((e) => e.name === 'production')?.state, 'healthy');
});

void test('SIGTERM stops the server and leaves production serving; sluice down then ends every instance and the router', async (t) => {
  const { server } = await deployedProject(t, 'downed', appFiles('v1', { instances: 2 }));
  const host = prodHost('downed');
  assert.equal((await pidsBehind(server, host)).size, 2);
  // The host pids of the instances (each leads its sandbox: when it is gone, so is the sandbox).
  const supervised = (await dataPlaneInstances(server)).map((i) => i.pid).filter((p): p is number => p !== null);
  const appPids = (await dataPlaneInstances(server)).filter((i) => i.labels.environment === 'production').map((i) => i.pid).filter((p): p is number => p !== null);
  assert.equal(appPids.length, 2);
  const dpPid = server.dataPlanePid();
  assert.ok(dpPid);
  await server.stopGracefully();
  assert.equal(server.child?.exitCode, 0, server.log);
  assert.deepEqual(await viaRouter(server.routerPort, host), { status: 200, body: 'v1' });
  assert.ok(appPids.every(alive));

  const down = await runCli(['down', '--data', server.dataDir]);
  assert.equal(down.code, 0, down.stderr);
  await server.waitFor(
    'every instance and the data plane to end',
    async () => ![...appPids, ...supervised, dpPid].some(alive),
    30_000,
  );
  assert.ok(await refuses(server.routerPort), 'the router port no longer accepts connections');
});
