// Commit → production: the status contract, host names (per environment and per service,
// case-insensitive, with a port), instances with their own environment, and instance logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viaRouter, type RunJson } from './harness.ts';
import { appFiles, dataPlaneInstances, deployedProject, pidsBehind, prodHost, type StatusJson } from './fixtures.ts';

void test('a commit reaches staging and production; status, URLs and host matching follow the contract', async (t) => {
  const { server, repo } = await deployedProject(t, 'hosts', appFiles('v1'));
  const sha = repo.head();
  // One commit, one run (registering the project and the poller once raced into two).
  const runs = await server.json<RunJson[]>(['runs', 'hosts']);
  assert.equal(runs.filter((r) => r.commit === sha).length, 1, JSON.stringify(runs.map((r) => [r.number, r.state])));
  const status = await server.json<StatusJson>(['status', 'hosts']);
  assert.equal(status.project, 'hosts');
  const names = status.environments.map((e) => e.name).sort();
  assert.deepEqual(names, ['production', 'staging']);
  for (const env of status.environments) {
    assert.equal(env.state, 'healthy', JSON.stringify(env));
    assert.equal(env.url, `http://${env.name}.hosts.localhost:${server.routerPort}`);
    assert.equal(env.release?.number, 1, JSON.stringify(env));
    assert.equal(env.release?.commit, sha);
  }
  // The environment host, the service host, another case and a Host with its port all answer.
  for (const host of [prodHost('hosts'), 'web.production.hosts.localhost', 'PRODUCTION.Hosts.LocalHost', `production.hosts.localhost:${server.routerPort}`, `Web.Production.hosts.localhost:8080`]) {
    assert.deepEqual(await viaRouter(server.routerPort, host), { status: 200, body: 'v1' }, host);
  }
  assert.deepEqual(await viaRouter(server.routerPort, 'staging.hosts.localhost'), { status: 200, body: 'v1' });
  // A host no environment has is not served by some other environment.
  const unknown = await viaRouter(server.routerPort, 'preview.hosts.localhost');
  assert.ok(unknown.status >= 400, `unknown host answered ${unknown.status}: ${unknown.body}`);
});

void test('instances: 2 runs two processes, each with PORT and the service env and nothing of the server env', async (t) => {
  const marker = 'SLUICE_E2E_SERVER_ONLY_MARKER';
  const { server } = await deployedProject(t, 'twins', appFiles('v1', { instances: 2, env: { LOG_LEVEL: 'info', GREETING: 'hello there' } }), {
    env: { [marker]: 'leaked' },
  });
  const pids = await pidsBehind(server, prodHost('twins'), 20);
  assert.equal(pids.size, 2, `pids seen: ${[...pids].join(', ')}`);
  const mine = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'twins' && i.labels.environment === 'production');
  assert.equal(mine.length, 2, JSON.stringify(mine));
  assert.ok(mine.every((i) => i.state === 'ready'), JSON.stringify(mine));
  const ports = new Set<string>();
  for (let i = 0; i < 20 && ports.size < 2; i++) {
    const r = await viaRouter(server.routerPort, prodHost('twins'), '/env');
    assert.equal(r.status, 200);
    const env = JSON.parse(r.body) as Record<string, string>;
    assert.match(env.PORT ?? '', /^\d+$/);
    ports.add(env.PORT!);
    assert.equal(env.LOG_LEVEL, 'info');
    assert.equal(env.GREETING, 'hello there');
    assert.equal(env[marker], undefined, `the instance sees the server's ${marker}`);
  }
  assert.equal(ports.size, 2, 'each instance has its own PORT');
  assert.deepEqual([...ports].map(Number).sort(), mine.map((i) => i.port).sort(), 'PORT is the port the supervisor routes to');
});

void test('sluice logs NAME --env production shows what the instances print', async (t) => {
  const { server } = await deployedProject(t, 'chatty', appFiles('v1'));
  const [instance] = (await dataPlaneInstances(server)).filter((i) => i.labels.project === 'chatty' && i.labels.environment === 'production');
  assert.ok(instance?.port, 'a production instance with a port');
  const text = await server.waitFor(
    'the listening line in the production logs',
    async () => {
      const r = await server.cli(['logs', 'chatty', '--env', 'production']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.includes(`listening on ${instance.port}`) && r.stdout;
    },
    15_000,
  );
  assert.ok(!text.includes('building'), 'instance logs are not the run log');
  // --tail N: the newest N lines; anything but 1..100000 is refused with the reason.
  const one = await server.cli(['logs', 'chatty', '--env', 'production', '--tail', '1', '--json']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown).length, 1, 'one JSON object a line');
  for (const bad of ['0', '-3', 'ten', '100001']) {
    const r = await server.cli(['logs', 'chatty', '--env', 'production', '--tail', bad]);
    assert.equal(r.code, 1, `--tail ${bad}`);
    assert.match(r.stderr, /tail must be an integer from 1 to 100000/);
  }
});
