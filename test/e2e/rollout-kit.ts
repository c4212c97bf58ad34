// Shared pieces of the progressive-delivery end-to-end tests: an app whose bad versions fail
// on purpose (a share of 5xx, failing after a delay, crashing after its first start), a
// pipeline file with one production environment and a given strategy, a bounded load that
// tells the bad version's own 500s apart from real failures, and rollout read-outs.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { sleep, viaRouter, type RunJson, type TestServer } from './harness.ts';
import { deployedProject, type Project } from './fixtures.ts';

/**
 * node:http app. `/` answers VERSION; `/pid` its pid; `/healthz` ok.
 * FAIL_PERCENT N: N of every 100 answers of `/` are 500 `error from VERSION` (spread out).
 * FAIL_AFTER_MS M: that failing starts only M ms after start (a version that goes bad later).
 * CRASH_AFTER_MS M: exits 1 M ms after its first start; every later start exits at once (it
 * remembers in /scratch, the instance's writable directory kept across its restarts; the
 * release itself is read-only in the sandbox).
 * CRASH_AFTER_ANSWER_MS M: the same, but the M ms count from its first answer of `/`, so how
 * long it took to become ready and be sent traffic (a loaded machine) does not use up its time.
 */
export const rolloutApp = `const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const read = (n) => { try { return fs.readFileSync(path.join(__dirname, n), 'utf8').trim(); } catch { return ''; } };
const v = read('VERSION');
const failPercent = Number(read('FAIL_PERCENT')) || 0;
const failAfter = Number(read('FAIL_AFTER_MS')) || 0;
const crashAfter = Number(read('CRASH_AFTER_MS')) || 0;
const crashAfterAnswer = Number(read('CRASH_AFTER_ANSWER_MS')) || 0;
const started = Date.now();
const who = require('node:crypto').randomUUID();
const crashIn = (ms) => setTimeout(() => { console.error('crashing on purpose'); process.exit(1); }, ms);
if (crashAfter || crashAfterAnswer) {
  const marker = path.join(fs.existsSync('/scratch') ? '/scratch' : __dirname, '.started-once');
  if (fs.existsSync(marker)) { console.error('refusing to start again'); process.exit(1); }
  fs.writeFileSync(marker, String(process.pid));
  if (crashAfter) crashIn(crashAfter);
}
let served = 0;
const s = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/pid') return res.end(who);
  const n = served++;
  if (n === 0 && crashAfterAnswer) crashIn(crashAfterAnswer);
  if (Date.now() - started >= failAfter && (n * 37) % 100 < failPercent) { res.statusCode = 500; return res.end('error from ' + v); }
  res.end(v);
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

export interface RolloutOptions {
  /** YAML of the production strategy's value, e.g. `canary: {steps: [{weight: 20}]}`. */
  strategy: string;
  /** Default 0 (no bake); null writes no `bake` key, so the default of the last environment (60 s) applies. */
  bake?: string | null;
  /** Production verify steps (shell commands). */
  verify?: string[];
  instances?: number;
  failPercent?: number;
  failAfterMs?: number;
  crashAfterMs?: number;
  crashAfterAnswerMs?: number;
}

export function rolloutPipeline(o: RolloutOptions): string {
  const lines = [
    'build:',
    '  - run: echo "building $(cat VERSION)"',
    'test:',
    '  - run: test -s VERSION',
    'services:',
    `  web: { start: node server.js, health: /healthz, instances: ${o.instances ?? 1} }`,
    'environments:',
    '  production:',
    '    strategy:',
    ...o.strategy.split('\n').map((l) => `      ${l}`),
  ];
  // No bake unless asked: the default (60 s on the last environment) would slow every test.
  if (o.bake !== null) lines.push(`    bake: ${o.bake ?? '0'}`);
  if (o.verify?.length) lines.push('    verify:', ...o.verify.map((v) => `      - run: ${JSON.stringify(v)}`));
  return `${lines.join('\n')}\n`;
}

/** The files of one version; the failure knobs not given are written empty (off). */
export function rolloutFiles(version: string, o: RolloutOptions): Record<string, string> {
  return {
    'sluice.yaml': rolloutPipeline(o),
    'server.js': rolloutApp,
    VERSION: `${version}\n`,
    FAIL_PERCENT: `${o.failPercent ?? ''}\n`,
    FAIL_AFTER_MS: `${o.failAfterMs ?? ''}\n`,
    CRASH_AFTER_MS: `${o.crashAfterMs ?? ''}\n`,
    CRASH_AFTER_ANSWER_MS: `${o.crashAfterAnswerMs ?? ''}\n`,
  };
}

/** A project whose v1 is live in production (deployed directly: nothing to compare with). */
export async function liveV1(t: TestContext, name: string, o: RolloutOptions, opts: { args?: string[] } = {}): Promise<Project & { first: RunJson }> {
  return deployedProject(t, name, rolloutFiles('v1', o), opts);
}

export const host = (project: string): string => `production.${project}.localhost`;
export const previewHost = (project: string): string => `next.production.${project}.localhost`;

export interface Decision {
  at: string;
  step: number | 'bake';
  metric: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  samples: { canary: number; baseline: number };
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  reason: string;
}

export interface RolloutJson {
  strategy: string;
  state: string;
  phase: string;
  step: number;
  release: number;
  stable: number | null;
  weights: { stable: number; canary: number; baseline: number };
  decisions: Decision[];
  reason?: string;
}

export function rollout(server: TestServer, project: string): Promise<RolloutJson> {
  return server.json<RolloutJson>(['rollout', project, '--env', 'production']);
}

/** Waits until the production rollout of `release` (any, when omitted) satisfies `ok`. */
export function waitRollout(server: TestServer, project: string, what: string, ok: (r: RolloutJson) => boolean, timeoutMs = 60_000, release?: number): Promise<RolloutJson> {
  let last: RolloutJson | undefined;
  return server
    .waitFor(
      what,
      async () => {
        const r = await server.cli(['rollout', project, '--env', 'production', '--json']);
        if (r.code !== 0) return undefined;
        last = JSON.parse(r.stdout) as RolloutJson;
        return (release === undefined || last.release === release) && ok(last) ? last : undefined;
      },
      timeoutMs,
    )
    .catch((error: unknown) => {
      throw new Error(`${String(error)}; last rollout: ${JSON.stringify(last)}`);
    });
}

/** Every decision has the figures `sluice rollout --json` promises. */
export function assertDecisionShape(d: Decision): void {
  for (const key of ['at', 'metric', 'verdict', 'samples', 'statistic', 'pValue', 'threshold', 'reason'] as const) assert.ok(key in d, `decision lacks ${key}: ${JSON.stringify(d)}`);
  assert.ok(['pass', 'fail', 'inconclusive'].includes(d.verdict), JSON.stringify(d));
  assert.equal(typeof d.samples.canary, 'number');
  assert.equal(typeof d.samples.baseline, 'number');
  assert.ok(!Number.isNaN(Date.parse(d.at)), d.at);
}

/** `n` sequential requests on production (optionally with `x-sluice-release`); their bodies (status != 200 shows as `STATUS:body`). */
export async function bodies(server: TestServer, project: string, n: number, release?: string): Promise<string[]> {
  const { request } = await import('undici');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const headers: Record<string, string> = { host: host(project) };
    if (release) headers['x-sluice-release'] = release;
    const res = await request(`http://127.0.0.1:${server.routerPort}/`, { headers });
    const body = await res.body.text();
    out.push(res.statusCode === 200 ? body : `${res.statusCode}:${body}`);
  }
  return out;
}

export async function answer(server: TestServer, h: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  if (Object.keys(headers).length === 0) return viaRouter(server.routerPort, h);
  const { request } = await import('undici');
  const res = await request(`http://127.0.0.1:${server.routerPort}/`, { headers: { host: h, ...headers } });
  return { status: res.statusCode, body: await res.body.text() };
}

export interface LoadResult {
  sent: number;
  /** 200 answers per body. */
  ok: Map<string, number>;
  /** 500s the app answered on purpose (`error from VERSION`), per version. */
  ownErrors: Map<string, number>;
  /** Anything else: 502/503, connection errors, timeouts. The first few are kept. */
  failed: number;
  failures: string[];
}

export interface Load {
  stop(): Promise<LoadResult>;
  sent(): number;
  /** Requests answered with the version's body or its own error, so far. */
  seen(version: string): number;
}

/** Bounded keep-alive load through the router: `concurrency` loops, about `rps` in all, at most `maxMs`. */
export function startLoad(t: TestContext, routerPort: number, h: string, o: { concurrency?: number; rps?: number; maxMs?: number; max?: number } = {}): Load {
  const concurrency = o.concurrency ?? 4;
  const gapMs = (concurrency * 1000) / (o.rps ?? 100);
  const until = Date.now() + (o.maxMs ?? 60_000);
  const max = o.max ?? 20_000;
  const pool = new Pool(`http://127.0.0.1:${routerPort}`, { connections: concurrency, keepAliveTimeout: 30_000 });
  const result: LoadResult = { sent: 0, ok: new Map(), ownErrors: new Map(), failed: 0, failures: [] };
  let stopped = false;
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  const loop = async (): Promise<void> => {
    while (!stopped && result.sent < max && Date.now() < until) {
      const began = Date.now();
      result.sent += 1;
      try {
        const res = await pool.request({ path: '/', method: 'GET', headers: { host: h }, headersTimeout: 10_000, bodyTimeout: 10_000 });
        const body = await res.body.text();
        const own = /^error from (\S+)$/.exec(body);
        if (res.statusCode === 200) bump(result.ok, body);
        else if (res.statusCode === 500 && own) bump(result.ownErrors, own[1]!);
        else {
          result.failed += 1;
          if (result.failures.length < 10) result.failures.push(`${res.statusCode}: ${body.slice(0, 200)}`);
        }
      } catch (error) {
        result.failed += 1;
        if (result.failures.length < 10) result.failures.push(String(error));
      }
      const wait = gapMs - (Date.now() - began);
      if (wait > 0) await sleep(wait);
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, loop));
  let done: Promise<LoadResult> | null = null;
  const stop = (): Promise<LoadResult> =>
    (done ??= (async () => {
      stopped = true;
      await loops;
      await pool.close();
      return result;
    })());
  t.after(stop);
  return { stop, sent: () => result.sent, seen: (v) => (result.ok.get(v) ?? 0) + (result.ownErrors.get(v) ?? 0) };
}

export function describeLoad(r: LoadResult): string {
  return `${r.sent} sent, ok ${JSON.stringify([...r.ok])}, own errors ${JSON.stringify([...r.ownErrors])}, ${r.failed} failed: ${r.failures.join(' | ')}`;
}

/**
 * Starts the load once the new release's rollout is past its start (canary step or green
 * ready), so a bounded load covers the part under test even on a slow machine.
 */
export async function loadOnceStarted(t: TestContext, server: TestServer, project: string, o: { concurrency?: number; rps?: number; maxMs?: number } = {}): Promise<Load> {
  await waitRollout(server, project, 'the new release in its rollout', (r) => r.stable !== null && r.phase !== 'start', 120_000);
  return startLoad(t, server.routerPort, host(project), o);
}
