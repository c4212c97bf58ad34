// Flag rollouts end to end (bin/sluice.js, the real data plane): the app evaluates its flags over
// OFREP with targetingKey = the x-sluice-user header it receives and echoes the variant. A variant
// that fails 5 % of its requests is turned off by the rollout's own analysis; a healthy one
// reaches everyone; over 10,000 users the router's per-variant counts equal the variants the app
// evaluated (0 mismatches); bad input is refused with nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import type { FlagVariantMetrics } from '../../src/router/route-table.ts';
import { appFiles, deployedProject, prodHost } from './fixtures.ts';
import type { TestServer } from './harness.ts';

const flags = `flags:
${['bad', 'good', 'shade'].map((k) => `  ${k}:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: off\n`).join('')}  gone:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: off
`;

/** `/FLAG`: evaluates FLAG for the request's user; `on` of `bad` fails 5 % of its requests. */
const appJs = `const http = require('node:http');
const s = http.createServer(async (req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  const key = req.url.slice(1);
  const user = req.headers['x-sluice-user'] || '';
  const r = await fetch(process.env.SLUICE_FLAGS_URL + '/ofrep/v1/evaluate/flags/' + key, { method: 'POST', headers: { authorization: 'Bearer ' + process.env.SLUICE_FLAGS_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify({ context: { targetingKey: user } }) });
  const body = await r.json();
  res.setHeader('x-variant', String(body.variant));
  res.statusCode = key === 'bad' && body.variant === 'on' && Math.random() < 0.05 ? 500 : 200;
  res.end(String(body.variant));
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

interface RolloutJson {
  strategy: string;
  state: string;
  step: number;
  weights: { stable: number; canary: number; baseline: number };
  decisions: Array<{ at: string; metric: string; verdict: string; samples: { canary: number; baseline: number } }>;
  reason: string | null;
}

/** Requests of distinct users to /FLAG through the router; the variants the app echoed, counted. */
async function load(pool: Pool, project: string, flag: string, users: number, prefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < users) {
      const user = `${prefix}-${next++}`;
      const res = await pool.request({ method: 'GET', path: `/${flag}`, headers: { host: prodHost(project), 'x-sluice-user': user } });
      await res.body.text();
      const variant = String(res.headers['x-variant']);
      counts[variant] = (counts[variant] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return counts;
}

async function routerCounts(server: TestServer, flag: string): Promise<Record<string, number>> {
  const rows = await new DataPlaneClient(socketPathOf(server.dataDir)).request<FlagVariantMetrics[]>('GET', '/flag-metrics');
  const out: Record<string, number> = {};
  for (const r of rows) if (r.flag === flag) out[r.variant] = (out[r.variant] ?? 0) + r.requests;
  return out;
}

/** Load until the rollout is in one of `states` (a deadline, never a fixed wait). */
async function loadUntil(server: TestServer, pool: Pool, flag: string, states: string[], timeoutMs: number): Promise<RolloutJson> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; Date.now() < deadline; round++) {
    const r = await server.json<RolloutJson>(['flag', 'rollout', 'fr', flag, '--env', 'production']);
    if (states.includes(r.state)) return r;
    await load(pool, 'fr', flag, 200, `${flag}-${round}`);
  }
  throw new Error(`flag ${flag}: rollout not ${states.join('/')} within ${timeoutMs} ms: ${JSON.stringify(await server.json(['flag', 'rollout', 'fr', flag, '--env', 'production']))}`);
}

void test('flag rollouts: a failing variant is turned off by itself, a healthy one reaches everyone, the router attributes users as the app evaluates them', async (t) => {
  const files = appFiles('1');
  const { server } = await deployedProject(t, 'fr', { ...files, 'sluice.yaml': `${files['sluice.yaml']}flags: flags.yaml\n`, 'flags.yaml': flags, 'server.js': appJs });
  const pool = new Pool(`http://127.0.0.1:${server.routerPort}`, { connections: 8 });
  t.after(() => pool.close());
  const flag = (key: string): Promise<{ served: { defaultVariant: string; targeting?: unknown } }> => server.json(['flag', 'get', 'fr', key, '--env', 'production']);

  // Bad input: each a clear error, and nothing changes.
  const bad: Array<[string[], RegExp]> = [
    [['flag', 'rollout', 'fr', 'good', '--env', 'production', '--variant', 'blue', '--steps', '5,100'], /no variant "blue"/],
    [['flag', 'rollout', 'fr', 'good', '--env', 'production', '--variant', 'on', '--steps', '5,150'], /"150" is not a percentage from 1 to 100/],
    [['flag', 'rollout', 'fr', 'good', '--env', 'production', '--variant', 'on', '--steps', '50,25'], /steps must increase/],
    [['flag', 'rollout', 'fr', 'good', '--env', 'production', '--variant', 'on', '--steps', '5,100', '--analysis', 'maxErrorRate'], /is not KEY=VALUE/],
    [['flag', 'set', 'fr', 'good', '--env', 'production', '--percent', '150'], /--percent 150: expected a number from 0 to 100/],
    [['flag', 'rollout', 'fr', 'good', '--env', 'production'], /has had no rollout/],
  ];
  for (const [args, message] of bad) {
    const r = await server.cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.equal((await flag('good')).served.defaultVariant, 'off');
  assert.equal((await server.json<Array<unknown>>(['flag', 'history', 'fr', 'good', '--env', 'production'])).length, 1, 'no change made');

  // 0 mismatches over 10,000 users: a rollout held at 50 % (a long pause, no analysis).
  const held = await server.json<RolloutJson>(['flag', 'rollout', 'fr', 'shade', '--env', 'production', '--variant', 'on', '--steps', '50,100', '--pause', '1h']);
  assert.deepEqual([held.strategy, held.state], ['flag', 'progressing']);
  const second = await server.cli(['flag', 'rollout', 'fr', 'shade', '--env', 'production', '--variant', 'on', '--steps', '50,100']);
  assert.match(second.stderr, /already rolling out on/);
  await server.waitFor('shade at 50 %', async () => (await server.json<RolloutJson>(['flag', 'rollout', 'fr', 'shade', '--env', 'production'])).weights.canary === 50, 30_000);
  // The router attributes once it has the published `attributed`: wait until a request is counted.
  await server.waitFor('the router attributing shade', async () => {
    await load(pool, 'fr', 'shade', 10, `warm-${Date.now()}`);
    return Object.keys(await routerCounts(server, 'shade')).length > 0;
  }, 30_000);
  const before = await routerCounts(server, 'shade');
  const app = await load(pool, 'fr', 'shade', 10_000, 'user');
  const after = await routerCounts(server, 'shade');
  const router: Record<string, number> = Object.fromEntries(Object.keys(after).map((v): [string, number] => [v, after[v]! - (before[v] ?? 0)]).filter(([, n]) => n !== 0));
  assert.deepEqual(router, app, 'the router attributed each user to the variant the app evaluated');
  assert.ok((app.on ?? 0) > 4000 && (app.off ?? 0) > 4000, JSON.stringify(app));
  const aborted = await server.json<RolloutJson>(['flag', 'rollout', 'fr', 'shade', '--env', 'production', '--abort']);
  assert.equal(aborted.state, 'progressing');
  await server.waitFor('shade aborted', async () => (await server.json<RolloutJson>(['flag', 'rollout', 'fr', 'shade', '--env', 'production'])).state === 'aborted', 30_000);
  assert.equal((await flag('shade')).served.defaultVariant, 'off');

  // A variant failing 5 % of its requests: turned off by the analysis, with its figures.
  const started = await server.cli(['flag', 'rollout', 'fr', 'bad', '--env', 'production', '--variant', 'on', '--steps', '20,50,100', '--pause', '5s', '--analysis', 'maxErrorRate=1%,interval=1s,minSamples=100']);
  assert.equal(started.code, 0, started.stderr);
  const badEnd = await loadUntil(server, pool, 'bad', ['aborted', 'promoted', 'paused'], 120_000);
  assert.equal(badEnd.state, 'aborted', JSON.stringify(badEnd));
  const failed = badEnd.decisions.find((d) => d.verdict === 'fail');
  assert.ok(failed && failed.samples.canary >= 100, JSON.stringify(badEnd.decisions));
  assert.deepEqual(badEnd.weights, { stable: 100, canary: 0, baseline: 0 });
  const badFlag = await flag('bad');
  assert.deepEqual([badFlag.served.defaultVariant, badFlag.served.targeting], ['off', undefined], 'the flag serves what it did before');
  const served = await load(pool, 'fr', 'bad', 50, 'after');
  assert.deepEqual(served, { off: 50 }, 'the data plane serves off to everyone');

  // A healthy variant reaches everyone.
  const good = await server.cli(['flag', 'rollout', 'fr', 'good', '--env', 'production', '--variant', 'on', '--steps', '20,50,100', '--pause', '3s', '--analysis', 'maxErrorRate=1%,interval=1s,minSamples=50']);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /flag rollout of good=on by /);
  const goodEnd = await loadUntil(server, pool, 'good', ['aborted', 'promoted', 'paused'], 120_000);
  assert.equal(goodEnd.state, 'promoted', JSON.stringify(goodEnd));
  assert.deepEqual(goodEnd.weights, { stable: 0, canary: 100, baseline: 0 });
  assert.deepEqual(await load(pool, 'fr', 'good', 50, 'all'), { on: 50 }, 'the data plane serves on to everyone');
});
