// Shared fixtures of the deploy end-to-end tests: a small app, a pipeline file builder, a
// project set up to its first live release, a bounded keep-alive load, and a look at the
// data plane's instances through its local socket.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { sleep, TestRepo, TestServer, viaRouter, type RunJson } from './harness.ts';
import { StepSignals } from './step-signals.ts';

/**
 * node:http app: `/` answers VERSION, `/pid` an id of its process (not its pid: in a sandbox
 * every instance has its own PID namespace, so pids repeat), `/env` its environment as JSON,
 * `/healthz` ok (500 while a file UNHEALTHY ships with it). Says `listening on PORT`.
 */
export const appJs = `const http = require('node:http');
const fs = require('node:fs');
const v = fs.readFileSync(__dirname + '/VERSION', 'utf8').trim();
const who = require('node:crypto').randomUUID();
const sick = fs.existsSync(__dirname + '/UNHEALTHY');
const s = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.statusCode = sick ? 500 : 200; return res.end(sick ? 'sick' : 'ok'); }
  if (req.url === '/pid') return res.end(who);
  if (req.url === '/env') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify(process.env)); }
  res.end(v);
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

export interface PipelineOptions {
  /** The build step (default: echo the version). */
  build?: string;
  /** The staging verify step (default: curl the health path). */
  verify?: string;
  start?: string;
  /** YAML value of `health` (default /healthz). */
  health?: string;
  instances?: number;
  env?: Record<string, string>;
  approval?: boolean;
  /** `env` of the production environment (added to every service there). */
  productionEnv?: Record<string, string>;
}

export function pipeline(o: PipelineOptions = {}): string {
  const lines = [
    'build:',
    `  - run: ${o.build ?? 'echo "building $(cat VERSION)"'}`,
    'test:',
    '  - name: unit',
    '    run: test -s VERSION',
    'services:',
    '  web:',
    `    start: ${o.start ?? 'node server.js'}`,
    `    health: ${o.health ?? '/healthz'}`,
  ];
  if (o.instances !== undefined) lines.push(`    instances: ${o.instances}`);
  if (o.env) lines.push(`    env: ${JSON.stringify(o.env)}`);
  lines.push('environments:', '  staging:', '    verify:', `      - run: ${o.verify ?? 'curl -fsS "$SLUICE_URL/healthz"'}`);
  // No bake: these tests are not about it, and each later run would wait out its default 60 s.
  const prod = ['    bake: 0', ...(o.approval ? ['    approval: true'] : []), ...(o.productionEnv ? [`    env: ${JSON.stringify(o.productionEnv)}`] : [])];
  lines.push(['  production:', ...prod].join('\n'));
  return `${lines.join('\n')}\n`;
}

export interface VersionGates {
  /** A step that waits (at most 2 minutes) until the gate of its commit's VERSION is open, and fails if it never opens. */
  step: string;
  open(version: string): void;
}

/**
 * Gates that decide when a step of a given version goes on: a race between runs is then set
 * by the test (open the gate once the other run is where it must be), never by a sleep's length.
 * The step asks over loopback HTTP (steps are sandboxed: no host path exists for them).
 */
export async function versionGates(t: TestContext, openAtStart: string[] = []): Promise<VersionGates> {
  const signals = await StepSignals.start(t);
  const open = (version: string): void => signals.openGate(`open-${version}`);
  for (const v of openAtStart) open(v);
  return { step: signals.waitFor('open-$(cat VERSION)'), open };
}

export function appFiles(version: string, o: PipelineOptions = {}): Record<string, string> {
  return { 'sluice.yaml': pipeline(o), 'server.js': appJs, VERSION: `${version}\n` };
}

export const prodHost = (project: string): string => `production.${project}.localhost`;

export interface Project {
  server: TestServer;
  repo: TestRepo;
}

/** A server and a repository with the project registered (its first run starts by polling). Both end with the test. */
/** `grants`: secret groups granted to the project before it is added (its first run names them). */
export async function registeredProject(t: TestContext, name: string, files: Record<string, string>, opts: { args?: string[]; env?: Record<string, string>; grants?: readonly string[] } = {}): Promise<Project> {
  const server = await TestServer.start(opts.args ?? [], opts.env ?? {});
  const repo = new TestRepo(files);
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  for (const group of opts.grants ?? []) {
    const granted = await server.cli(['secret', 'grant', group, '--project', name]);
    assert.equal(granted.code, 0, granted.stderr);
  }
  const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  return { server, repo };
}

/** registeredProject, then its first run, which must succeed. */
export async function deployedProject(t: TestContext, name: string, files: Record<string, string>, opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<Project & { first: RunJson }> {
  const p = await registeredProject(t, name, files, opts);
  const first = await p.server.waitRun(name, p.repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  return { ...p, first };
}

/** Waits for the newest run of a commit to be in `state` (which may be non-terminal, like waiting). */
export async function waitRunState(server: TestServer, project: string, sha: string, state: string, timeoutMs = 60_000): Promise<RunJson> {
  return server.waitFor(
    `a run of ${sha.slice(0, 8)} in state ${state}`,
    async () => {
      const r = (await server.json<RunJson[]>(['runs', project])).find((x) => x.commit === sha);
      return r?.state === state ? server.json<RunJson>(['run', r.id]) : undefined;
    },
    timeoutMs,
  );
}

/** The body the production route answers now (asserting a 200). */
export async function prodBody(server: TestServer, project: string, p = '/'): Promise<string> {
  const r = await viaRouter(server.routerPort, prodHost(project), p);
  assert.equal(r.status, 200, `GET ${p} on production answered ${r.status}: ${r.body}`);
  return r.body;
}

/** Distinct `/pid` answers (process ids) over `tries` requests through the router. */
export async function pidsBehind(server: TestServer, host: string, tries = 20): Promise<Set<string>> {
  const pids = new Set<string>();
  for (let i = 0; i < tries; i++) {
    const r = await viaRouter(server.routerPort, host, '/pid');
    assert.equal(r.status, 200, r.body);
    pids.add(r.body);
  }
  return pids;
}

export interface DataPlaneInstance {
  id: string;
  state: string;
  pid: number | null;
  port: number | null;
  reason: string | null;
  labels: Record<string, string>;
}

/** What the data plane runs, asked over its own socket (no server involved). */
export function dataPlaneInstances(server: TestServer): Promise<DataPlaneInstance[]> {
  return new DataPlaneClient(socketPathOf(server.dataDir)).request<DataPlaneInstance[]>('GET', '/instances');
}

export interface StatusJson {
  project: string;
  environments: Array<{ name: string; url: string; state: string; release: { number: number; commit: string } | null; reason?: string }>;
}

export interface ReleaseJson {
  number: number;
  commit: string;
  artifact: string;
  /** `host/repo:rN@sha256:…` when the project has `image:`. */
  image?: string;
  state: string;
  rolledBackFrom?: number;
  reason?: string;
}

export async function envStatus(server: TestServer, project: string, env: string): Promise<StatusJson['environments'][number]> {
  const s = await server.json<StatusJson>(['status', project]);
  const e = s.environments.find((x) => x.name === env);
  assert.ok(e, `no ${env} in ${JSON.stringify(s)}`);
  return e;
}

export interface LoadResult {
  sent: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  failures: string[];
  /** How many times each body was answered. */
  bodies: Map<string, number>;
}

export interface Load {
  stop(): Promise<LoadResult>;
  /** Requests answered so far (successes and failures). */
  sent(): number;
}

/**
 * A bounded load on `host` through the router: `concurrency` loops on keep-alive connections,
 * about `rps` requests per second in all, ending at `max` requests, `maxMs`, or stop().
 */
export function startLoad(routerPort: number, host: string, o: { concurrency?: number; rps?: number; max?: number; maxMs?: number } = {}): Load {
  const concurrency = o.concurrency ?? 4;
  const gapMs = (concurrency * 1000) / (o.rps ?? 100);
  const max = o.max ?? 3000;
  const until = Date.now() + (o.maxMs ?? 60_000);
  const pool = new Pool(`http://127.0.0.1:${routerPort}`, { connections: concurrency, keepAliveTimeout: 30_000 });
  const result: LoadResult = { sent: 0, failed: 0, failures: [], bodies: new Map() };
  let stopped = false;
  const fail = (what: string): void => {
    result.failed += 1;
    if (result.failures.length < 10) result.failures.push(what);
  };
  const loop = async (): Promise<void> => {
    while (!stopped && result.sent < max && Date.now() < until) {
      const began = Date.now();
      result.sent += 1;
      try {
        const res = await pool.request({ path: '/', method: 'GET', headers: { host }, headersTimeout: 10_000, bodyTimeout: 10_000 });
        const body = await res.body.text();
        if (res.statusCode !== 200) fail(`${res.statusCode}: ${body.slice(0, 200)}`);
        else result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
      } catch (error) {
        fail(String(error));
      }
      const wait = gapMs - (Date.now() - began);
      if (wait > 0) await sleep(wait);
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, loop));
  return {
    sent: () => result.sent,
    async stop() {
      stopped = true;
      await loops;
      await pool.close();
      return result;
    },
  };
}

/** One line of `sluice logs … --json`. */
export interface LogJson {
  id: number;
  at: string;
  line: string;
  level: string | null;
  release: number | null;
  service: string | null;
  instance: string | null;
  stream: string;
  source: string;
}
