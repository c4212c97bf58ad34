// bench/zero-downtime: a steady, bounded load on the example service's production URL
// (2 instances) across consecutive rolling deploys and one SIGKILL + relaunch of the server.
// A request fails when it errors, answers other than 200, or answers a body that is not one
// of the greetings committed so far. Options: --deploys N (10), --rps R (1000),
// --connections C (16), --max-requests M (200000). With --restart-mid-rollout the server is
// killed while the production rollout is half done (new release answering, old not yet gone).
// With --kill-data-plane the data plane is SIGKILLed after the deploys: the server starts a new
// one, which adopts the running instances; the failures and the outage window are reported.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import { TestServer, runCli, tempDir, type RunJson } from '../test/e2e/harness.ts';
import { benchMain, exampleWithoutBake, execFileAsync, machine, ms, quantile, secs, sleep, waitRunOf } from './bench-kit.ts';

const arg = (name: string, dflt: string): number => {
  const i = process.argv.indexOf(name);
  return Number(i > 0 ? (process.argv[i + 1] ?? dflt) : dflt);
};
const DEPLOYS = arg('--deploys', '10');
const RPS = arg('--rps', '1000');
const CONNECTIONS = arg('--connections', '16');
const MAX_REQUESTS = arg('--max-requests', '200000');
const LOAD_LIMIT_MS = 140_000;
const host = 'production.hello.localhost';
const MID_ROLLOUT = process.argv.includes('--restart-mid-rollout');
const KILL_DATA_PLANE = process.argv.includes('--kill-data-plane');

interface Failure {
  at: number;
  phase: string;
  what: string;
}

/** Paced load: each of C loops sends one request at a time on its own keep-alive connection. */
class Load {
  sent = 0;
  ok = 0;
  readonly failures: Failure[] = [];
  readonly latencies: number[] = [];
  phase = 'warm-up';
  private stopped = false;
  private readonly pool: Pool;
  private readonly started = performance.now();
  private loops: Array<Promise<void>> = [];
  endedAt = 0;

  private readonly valid: Set<string>;

  constructor(
    routerPort: number,
    valid: Set<string>,
  ) {
    this.valid = valid;
    this.pool = new Pool(`http://127.0.0.1:${routerPort}`, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  start(): void {
    const gap = (1000 * CONNECTIONS) / RPS;
    this.loops = Array.from({ length: CONNECTIONS }, (_, i) => this.loop(gap, (i * gap) / CONNECTIONS));
  }

  private async loop(gap: number, offset: number): Promise<void> {
    let next = performance.now() + offset;
    while (!this.stopped && this.sent < MAX_REQUESTS && performance.now() - this.started < LOAD_LIMIT_MS) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      // A late request is made up for, but never more than 1 s of backlog (no long bursts).
      next = Math.max(next + gap, performance.now() - 1000);
      await this.one();
    }
  }

  private async one(): Promise<void> {
    this.sent++;
    const t0 = performance.now();
    const fail = (what: string): void => void this.failures.push({ at: (t0 - this.started) / 1000, phase: this.phase, what });
    try {
      const res = await this.pool.request({ path: '/', method: 'GET', headers: { host }, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const body = await res.body.text();
      this.latencies.push(performance.now() - t0);
      if (res.statusCode !== 200) fail(`status ${res.statusCode}: ${body.slice(0, 120)}`);
      else if (!this.valid.has(body)) fail(`unexpected body ${JSON.stringify(body.slice(0, 120))}`);
      else this.ok++;
    } catch (error) {
      fail(`error ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
    }
  }

  private stopping: Promise<number> | null = null;

  stop(): Promise<number> {
    return (this.stopping ??= (async () => {
      this.stopped = true;
      await Promise.all(this.loops);
      const elapsed = performance.now() - this.started;
      await this.pool.close();
      return elapsed;
    })());
  }
}

async function waitAnswer(routerPort: number, want: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await request(`http://127.0.0.1:${routerPort}/`, { headers: { host } }).catch(() => null);
    if (res && (await res.body.text()) === want) return;
    await sleep(20);
  }
  throw new Error(`production did not answer ${JSON.stringify(want)} within ${timeoutMs} ms`);
}

/** Where the time of the interrupted run went: its stages and its log lines after the restart. */
async function explain(server: TestServer, runId: string): Promise<void> {
  const { body: run } = await server.api<RunJson & { stages: Array<{ name: string; startedAt: string | null; finishedAt: string | null }> }>('GET', `/api/runs/${runId}`);
  for (const s of run.stages) console.log(`      stage ${s.name.padEnd(18)} ${s.startedAt ?? '-'} → ${s.finishedAt ?? '-'}`);
  const { body: lines } = await server.api<Array<{ at: string; stream: string; line: string }>>('GET', `/api/runs/${runId}/logs`);
  const from = lines.findIndex((l) => /resum|interrupt/.test(l.line));
  for (const l of lines.slice(Math.max(0, from))) console.log(`      ${l.at} ${l.stream.padEnd(6)} ${l.line.slice(0, 140)}`);
}

const greetingJs = (text: string): string => `'use strict';\nexports.greeting = () => ${JSON.stringify(text)};\n`;
const git = (dir: string, ...args: string[]): Promise<{ stdout: string }> =>
  execFileAsync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@sluice.invalid', ...args], { cwd: dir });

await benchMain('zero-downtime', 175_000, async (onCleanup) => {
  console.log(`zero-downtime · ${machine()}`);
  const parent = tempDir('zdt');
  onCleanup(() => fs.rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'hello');
  const init = await runCli(['init', '--example', 'hello', dir]);
  if (init.code !== 0) throw new Error(`sluice init: ${init.stderr}`);
  exampleWithoutBake(dir);
  await git(dir, 'commit', '-q', '-am', 'bench: no bake');
  const server = await TestServer.start(['--poll-interval', '1s']);
  onCleanup(() => server.close());
  const added = await server.api('POST', '/api/projects', { name: 'hello', repo: dir });
  if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
  const first = await waitRunOf<RunJson>(server, 'hello', (await git(dir, 'rev-parse', 'HEAD')).stdout.trim(), 90_000);
  if (first.state !== 'succeeded') throw new Error(`first run ${first.state}: ${first.reason ?? ''}`);

  const valid = new Set(['Hello from Sluice!\n']);
  const load = new Load(server.routerPort, valid);
  onCleanup(async () => void (await load.stop()));
  load.start();
  await sleep(2000);
  const restart = async (): Promise<void> => {
    const phase = load.phase;
    load.phase = `server SIGKILL + relaunch (${MID_ROLLOUT ? 'mid-rollout of ' : 'after '}${phase})`;
    const k0 = performance.now();
    await server.kill9();
    await sleep(1000); // the control plane stays down a moment; the data plane serves alone
    await server.launch();
    console.log(`  server SIGKILLed and relaunched (API back after ${secs(performance.now() - k0)}) · ${load.sent} sent, ${load.failures.length} failed so far`);
    if (!MID_ROLLOUT) await sleep(2000);
    load.phase = phase;
  };
  const deployTimes: number[] = [];
  const restartAfter = Math.ceil(DEPLOYS / 2);
  for (let i = 1; i <= DEPLOYS; i++) {
    const text = `Hello #${i} ${Math.random().toString(36).slice(2, 8)}`;
    valid.add(`${text}\n`);
    load.phase = `deploy ${i}`;
    fs.writeFileSync(path.join(dir, 'greeting.js'), greetingJs(text));
    const t0 = performance.now();
    await git(dir, 'commit', '-q', '-am', text);
    const sha = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
    if (MID_ROLLOUT && i === restartAfter) {
      await waitAnswer(server.routerPort, `${text}\n`, 60_000);
      await restart();
    }
    const run = await waitRunOf<RunJson>(server, 'hello', sha, 60_000);
    if (run.state !== 'succeeded') throw new Error(`deploy ${i}: run ${run.state}: ${run.reason ?? ''}`);
    deployTimes.push(performance.now() - t0);
    if (MID_ROLLOUT && i === restartAfter) await explain(server, run.id);
    console.log(`  deploy ${String(i).padStart(2)} live (run #${run.number}) after ${secs(performance.now() - t0)} · ${load.sent} sent, ${load.failures.length} failed so far`);
    if (!MID_ROLLOUT && i === restartAfter) await restart();
  }
  let dpOutage: { failed: number; windowMs: number; backMs: number } | null = null;
  if (KILL_DATA_PLANE) {
    await sleep(2000);
    const dpPid = server.dataPlanePid();
    if (!dpPid) throw new Error('no data plane pid in its log');
    load.phase = 'data-plane SIGKILL';
    const before = load.failures.length;
    const k0 = performance.now();
    process.kill(dpPid, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    while (server.dataPlanePid() === dpPid && Date.now() < deadline) await sleep(20);
    await waitAnswer(server.routerPort, [...valid].at(-1)!, 60_000);
    const backMs = performance.now() - k0;
    await sleep(3000);
    const mine = load.failures.slice(before).filter((f) => f.phase === 'data-plane SIGKILL');
    const at = mine.map((f) => f.at);
    dpOutage = { failed: mine.length, windowMs: at.length ? (Math.max(...at) - Math.min(...at)) * 1000 : 0, backMs };
    console.log(`  data plane ${dpPid} SIGKILLed: serving again after ${secs(backMs)} · ${mine.length} failed in that phase`);
  }
  load.phase = 'cool-down';
  await sleep(2000);
  const elapsed = await load.stop();

  const done = load.ok + load.failures.length;
  console.log(`\n${DEPLOYS} rolling deploys${DEPLOYS > 0 ? ` + 1 server SIGKILL/relaunch${MID_ROLLOUT ? ' (mid-rollout)' : ''}` : ''}${KILL_DATA_PLANE ? ' + 1 data-plane SIGKILL' : ''} under load (${CONNECTIONS} keep-alive connections, paced at ${RPS} rps, http://${host}/ via 127.0.0.1:${server.routerPort})`);
  console.log(`  requests sent     ${load.sent}`);
  console.log(`  requests ok       ${load.ok}`);
  console.log(`  requests FAILED   ${load.failures.length}   (target 0: ${load.failures.length === 0 ? 'met' : 'MISSED'})`);
  console.log(`  achieved rate     ${(done / (elapsed / 1000)).toFixed(0)} rps over ${secs(elapsed, 1)}`);
  console.log(`  latency           p50 ${ms(quantile(load.latencies, 0.5), 1)} · p99 ${ms(quantile(load.latencies, 0.99), 1)} · max ${ms(Math.max(...load.latencies), 1)}`);
  console.log(`  commit→run end    median ${secs(quantile(deployTimes, 0.5))} per deploy`);
  if (dpOutage) {
    console.log(`  data-plane SIGKILL ${dpOutage.failed} failed requests over an outage window of ${ms(dpOutage.windowMs, 0)} (target < 1 s of failures: ${dpOutage.windowMs < 1000 ? 'met' : 'MISSED'}); serving again ${secs(dpOutage.backMs)} after the kill (requests meanwhile wait: see max latency)`);
  }
  if (load.failures.length) {
    console.log('  failures (first 50):');
    for (const f of load.failures.slice(0, 50)) console.log(`    t=${f.at.toFixed(3)} s  [${f.phase}]  ${f.what}`);
  }
});
