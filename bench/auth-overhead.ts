// bench/auth-overhead: what authentication adds to an API call. Two Fastify apps in this one
// process, each serving the same route (the project list, read from a real SQLite store): one
// behind the request guard (Host, Origin, Bearer token looked up and hashed, role and scope),
// one without it. Calls alternate between them over keep-alive HTTP on loopback, so both see the
// same machine; the figure is the difference of the medians. Options: --calls N (5000 per app).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance } from 'fastify';
import { guardRequests } from '../src/api/request-guard.ts';
import { FailureLimiter, defaultFailureLimit } from '../src/auth/failure-limiter.ts';
import { need, seesProject, type Permission } from '../src/auth/permission.ts';
import { TokenService } from '../src/auth/token-service.ts';
import { defaultSessionPolicy, SessionService } from '../src/auth/session-service.ts';
import { systemClock } from '../src/engine/clock.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { tempDir } from '../test/e2e/harness.ts';
import { benchMain, machine, median, quantile } from './bench-kit.ts';

const callsArg = process.argv.indexOf('--calls');
const N = callsArg > 0 ? Number(process.argv[callsArg + 1]) : 5000;
const TARGET_US = 200;

function app(store: Store, guarded: TokenService | null): FastifyInstance {
  const a = Fastify({ logger: false });
  let permission: Permission = need.public;
  if (guarded) {
    guardRequests(a, { tokens: guarded, sessions: new SessionService({ store, clock: systemClock, tokens: guarded, policy: defaultSessionPolicy }), hosts: new Set(['127.0.0.1']), publicOrigin: null, failures: new FailureLimiter(defaultFailureLimit), warn: () => {}, now: Date.now });
    permission = need.viewer;
  }
  a.get('/api/projects', { config: { permission } }, async (req) => (await store.listProjects()).filter((p) => seesProject(req.principal ?? null, p.name)).map((p) => ({ name: p.name, branch: p.branch })));
  return a;
}

await benchMain('auth-overhead', 300_000, async (onCleanup) => {
  const dir = tempDir('auth-bench');
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteStore(path.join(dir, 'sluice.db'));
  onCleanup(() => store.close());
  await store.migrate();
  for (const name of ['alpha', 'beta', 'gamma']) {
    await store.createProject({ name, repo: '/dev/null', branch: 'main', webhookSecret: 'whsec_x', lastSeenSha: null, createdAt: new Date().toISOString(), statusHost: null, statusRepo: null, statusApiUrl: null });
  }
  const tokens = new TokenService({ store, clock: systemClock });
  // Some tokens besides the one used, so the lookup is not into a one-row table.
  for (let i = 0; i < 50; i++) await tokens.create({ name: `t${i}`, role: 'viewer', projects: null, environments: null, expiresInMs: null, createdBy: 'bench' });
  const { token } = await tokens.create({ name: 'bench', role: 'viewer', projects: null, environments: null, expiresInMs: null, createdBy: 'bench' });
  const withAuth = app(store, tokens);
  const without = app(store, null);
  onCleanup(() => withAuth.close());
  onCleanup(() => without.close());
  const portOf = async (a: FastifyInstance): Promise<number> => {
    await a.listen({ host: '127.0.0.1', port: 0 });
    return (a.server.address() as { port: number }).port;
  };
  const ports = { auth: await portOf(withAuth), none: await portOf(without) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  onCleanup(() => agent.destroy());
  const get = (port: number, headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port, path: '/api/projects', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  const auth = { authorization: `Bearer ${token}` };
  for (let i = 0; i < 500; i++) {
    await get(ports.auth, auth);
    await get(ports.none, {});
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < N; i++) {
    // Alternate which goes first, so neither always pays for the other's garbage.
    if (i % 2 === 0) {
      a.push(await get(ports.auth, auth));
      b.push(await get(ports.none, {}));
    } else {
      b.push(await get(ports.none, {}));
      a.push(await get(ports.auth, auth));
    }
  }
  // The guard alone, in process (no socket): Fastify's inject, same alternation.
  const ia: number[] = [];
  const ib: number[] = [];
  for (let i = 0; i < N; i++) {
    let t0 = performance.now();
    await withAuth.inject({ method: 'GET', url: '/api/projects', headers: { host: '127.0.0.1', ...auth } });
    ia.push(performance.now() - t0);
    t0 = performance.now();
    await without.inject({ method: 'GET', url: '/api/projects', headers: { host: '127.0.0.1' } });
    ib.push(performance.now() - t0);
  }
  const us = (x: number): string => `${(x * 1000).toFixed(0)} µs`;
  const added = median(a) - median(b);
  const addedInject = median(ia) - median(ib);
  console.log(`## bench/auth-overhead · ${machine()}`);
  console.log();
  console.log(`${N} calls per app, alternating; GET /api/projects (3 projects, 51 tokens in the store, SQLite).`);
  console.log();
  console.log('| | with authentication | without | added (p50) | target |');
  console.log('|---|---|---|---|---|');
  console.log(`| over HTTP (keep-alive, loopback) | p50 ${us(median(a))}, p90 ${us(quantile(a, 0.9))} | p50 ${us(median(b))}, p90 ${us(quantile(b, 0.9))} | **${us(added)}** (×${(median(a) / median(b)).toFixed(2)}) | < ${TARGET_US} µs: ${added * 1000 < TARGET_US ? 'met' : '**missed**'} |`);
  console.log(`| in process (inject) | p50 ${us(median(ia))} | p50 ${us(median(ib))} | ${us(addedInject)} | |`);
});
