// Shared pieces of the progressive-delivery benchmarks: flags, the Wilson interval, a project of
// the acceptance test app (answers its VERSION, 500s on FAIL_PERCENT % of requests), and a paced
// keep-alive load that records who answered every request and when.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { TestRepo, type RunJson, type TestServer } from '../test/e2e/harness.ts';
import { sleep, waitRunOf } from './bench-kit.ts';

export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
  return v;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const d = 1 + (z * z) / n;
  const center = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** Wall-clock ms with sub-ms resolution: comparable with the server's ISO timestamps (same host). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

const verbose = process.argv.includes('--verbose');

export const acceptanceAppPath = '/work/shared/acceptance/lib/app/server.js';

export interface AppVersion {
  version: string;
  /** 0..100: share of 500s (the acceptance app's FAIL_PERCENT file). */
  failPercent: number;
  yaml: string;
}

/** A repository of the acceptance app registered as `name`, first release live. */
export async function appProject(server: TestServer, name: string, first: AppVersion): Promise<TestRepo> {
  const repo = new TestRepo(files(first));
  const added = await server.api('POST', '/api/projects', { name, repo: repo.dir });
  if (added.status !== 201) throw new Error(`project add ${name}: ${added.status} ${JSON.stringify(added.body)}`);
  const run = await waitRunOf<RunJson>(server, name, repo.head(), 90_000);
  if (run.state !== 'succeeded') throw new Error(`${name}: first run ${run.state}: ${run.reason ?? ''}`);
  return repo;
}

function files(v: AppVersion): Record<string, string> {
  return { 'server.js': fs.readFileSync(acceptanceAppPath, 'utf8'), VERSION: `${v.version}\n`, FAIL_PERCENT: `${v.failPercent}\n`, 'sluice.yaml': v.yaml };
}

/**
 * Server flags: the poller waits an hour (it still runs once when a project is added), so each
 * commit gets exactly one run, from commitVersion's manual trigger. With both, a poll racing the
 * trigger can queue a second run of the same commit (see RESULTS-rollout.md, findings).
 */
export const noPolling = ['--poll-interval', '1h'];

/** Commits the version and triggers its run at once (no wait for the poller). */
export async function commitVersion(server: TestServer, name: string, repo: TestRepo, v: AppVersion): Promise<string> {
  const sha = repo.commit(v.version, files(v));
  const t = await server.api<{ number?: number; commit?: string }>('POST', `/api/projects/${name}/trigger`, {});
  if (t.status !== 201 && t.status !== 409) throw new Error(`trigger ${name}: ${t.status} ${JSON.stringify(t.body)}`);
  if (verbose) console.log(`    trigger ${v.version} → ${t.status} run #${t.body.number ?? '?'} ${t.body.commit?.slice(0, 8) ?? ''} (committed ${sha.slice(0, 8)})`);
  return sha;
}

export interface RolloutJson {
  strategy: string;
  state: string;
  phase: string;
  release: number;
  stable: number | null;
  weights: { stable: number; canary: number; baseline: number };
  decisions: Array<{ at: string; step: number | string; metric: string; verdict: string; reason: string }>;
  reason?: string;
  finishedAt: string | null;
}

export interface Sample {
  host: string;
  /** Wall-clock ms when the request was handed to the client, and when its body ended. */
  sent: number;
  done: number;
  status: number;
  /** Trimmed body, or the client error. */
  body: string;
  error: boolean;
}

/** Who answered: the acceptance app says `VERSION` or `error from VERSION`. */
export const answeredBy = (s: Sample): string | null => (s.error ? null : /^(?:error from )?(\S+)$/.exec(s.body)?.[1] ?? null);

/** Paced load: C loops, each one request at a time on its own keep-alive connection. */
export class RecordingLoad {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly pool: Pool;
  private loops: Array<Promise<void>> = [];
  private readonly started = performance.now();
  private stopping: Promise<void> | null = null;

  /** Read per request, so a benchmark can move the load from host to host. */
  public host: string;
  private readonly o: { rps: number; connections: number; maxRequests: number; limitMs: number };

  constructor(
    routerPort: number,
    host: string,
    o: { rps: number; connections: number; maxRequests: number; limitMs: number },
  ) {
    this.host = host;
    this.o = o;
    this.pool = new Pool(`http://127.0.0.1:${routerPort}`, { connections: o.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  get sent(): number {
    return this.samples.length;
  }

  start(): void {
    const gap = (1000 * this.o.connections) / this.o.rps;
    this.loops = Array.from({ length: this.o.connections }, (_, i) => this.loop(gap, (i * gap) / this.o.connections));
  }

  private async loop(gap: number, offset: number): Promise<void> {
    let next = performance.now() + offset;
    while (!this.stopped && this.samples.length < this.o.maxRequests && performance.now() - this.started < this.o.limitMs) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      // A late request is made up for, but never more than 1 s of backlog (no long bursts).
      next = Math.max(next + gap, performance.now() - 1000);
      await this.one();
    }
  }

  private async one(): Promise<void> {
    const host = this.host;
    const s: Sample = { host, sent: nowMs(), done: 0, status: 0, body: '', error: false };
    this.samples.push(s);
    try {
      const res = await this.pool.request({ path: '/', method: 'GET', headers: { host }, headersTimeout: 10_000, bodyTimeout: 10_000 });
      s.status = res.statusCode;
      s.body = (await res.body.text()).trim();
    } catch (error) {
      s.error = true;
      const e = error as { code?: string; name?: string; message?: string };
      s.body = `${e.name ?? 'Error'} ${e.code ?? ''} ${e.message ?? String(error)}`;
    }
    s.done = nowMs();
  }

  /** Samples whose request was sent in [from, to). */
  between(from: number, to = Number.POSITIVE_INFINITY): Sample[] {
    return this.samples.filter((s) => s.sent >= from && s.sent < to);
  }

  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.stopped = true;
      await Promise.all(this.loops);
      await this.pool.close();
    })());
  }
}

/** What the server knows about a rollout that did not end as expected: for the report. */
export async function explain(server: TestServer, project: string, environment = 'production'): Promise<void> {
  const { body: rollout } = await server.api<RolloutJson>('GET', `/api/projects/${project}/environments/${environment}/rollout`);
  const { decisions, ...rest } = rollout;
  console.log(`    rollout: ${JSON.stringify(rest)}`);
  for (const d of decisions.slice(-4)) console.log(`    decision ${d.at} ${d.metric} ${d.verdict}: ${d.reason.slice(0, 160)}`);
  const { body: runs } = await server.api<Array<{ id: string; number: number; state: string; commit: string; message: string; trigger: string; reason?: string; createdAt: string }>>('GET', `/api/projects/${project}/runs?limit=6`);
  for (const r of runs) console.log(`    run #${r.number} ${r.commit.slice(0, 8)} ${r.message} ${r.trigger} ${r.state} created ${r.createdAt} ${r.reason ?? ''}`);
  const { body: releases } = await server.api<Array<{ number: number; commit: string; state: string; run?: number; reason?: string; createdAt: string }>>('GET', `/api/projects/${project}/environments/${environment}/releases`);
  for (const r of releases.slice(0, 6)) console.log(`    release ${r.number} ${r.commit.slice(0, 8)} run #${r.run ?? '-'} ${r.state} ${r.createdAt} ${r.reason ?? ''}`);
  const run = runs[0];
  if (run) {
    const { body: lines } = await server.api<Array<{ at: string; stream: string; line: string }>>('GET', `/api/runs/${run.id}/logs`);
    console.log(`    run #${run.number} ${run.state}, last log lines:`);
    for (const l of lines.slice(-25)) console.log(`      ${l.at} ${l.stream.padEnd(6)} ${l.line.slice(0, 200)}`);
  }
  console.log('    server log (last 30 lines):');
  for (const l of server.log.trimEnd().split('\n').slice(-30)) console.log(`      ${l.slice(0, 220)}`);
}

export async function waitUntil<T>(what: string, timeoutMs: number, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
