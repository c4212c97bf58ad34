// bench/kubernetes: the Kubernetes runtime reconciling many environments against the simulated
// API server (test/kubernetes/fake-api-server.ts, in a child process of its own).
//   reconcile: each environment (its own namespace) gets a release of one service with one
//     instance: prepare (Namespace), startInstance (Secret, Deployment, Service, Secret owned),
//     waitReady (pod ready, seen through the watch). Timed per environment, --concurrency at once.
//     Baseline in the same run: one environment alone on an idle simulated server.
//   re-reconcile: the same 1,000 again once all are up (nothing to change: the idempotent path).
//   memory: this process's RSS (and heap after a GC) before connecting and with 1,000
//     environments in its caches.
// Options: --environments N (1000), --concurrency C (50), --rounds R (3), --baseline B (20),
// --profile-sim DIR (a CPU profile of the simulated server).
// Run with: node --expose-gc --import tsx bench/kubernetes.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { KubernetesRuntime } from '../src/runtime/kubernetes/kubernetes-runtime.ts';
import { benchMain, machine, median, quantile } from './bench-kit.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ENVIRONMENTS = arg('--environments', 1000);
const CONCURRENCY = arg('--concurrency', 50);
const ROUNDS = arg('--rounds', 3);
const BASELINE = arg('--baseline', 20);
const MiB = 1024 * 1024;

interface Sim {
  kubeconfig: string;
  stop(): Promise<void>;
}

async function startSim(): Promise<Sim> {
  const i = process.argv.indexOf('--profile-sim');
  const profile = i >= 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[i + 1]!] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(import.meta.dirname, 'kubernetes', 'sim-server.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the simulated API server exited (${code})`)));
  });
  const { kubeconfig } = JSON.parse(line) as { kubeconfig: string };
  return {
    kubeconfig,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function reconcile(runtime: KubernetesRuntime, env: number): Promise<number> {
  const t0 = performance.now();
  const project = `p${env}`;
  const workdir = await runtime.prepare({ key: `${project}/production/r1`, artifactDigest: 'sha256:x' });
  const id = `${project}.production.web.r1.1`;
  await runtime.startInstance({
    id,
    workdir,
    command: 'node server.js',
    env: { MODE: 'ok' },
    secretEnv: { TOKEN: `t${env}` },
    health: { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, deadlineMs: 30_000 },
    labels: { project, environment: 'production', service: 'web', release: '1' },
  });
  await runtime.waitReady(id, 60_000);
  return performance.now() - t0;
}

async function all(n: number, concurrency: number, fn: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) out.push(await fn(next++));
    }),
  );
  return out;
}

interface Round {
  baseline: number;
  create: number[];
  again: number[];
  wallMs: number;
  rssBefore: number;
  rssAfter: number;
  heapAfter: number;
}

/** What a round has running, for the cleanup on an early exit (cleared after each round, so a round's memory is not kept). */
const current: { sim: Sim | null; runtime: KubernetesRuntime | null; dataDir: string | null } = { sim: null, runtime: null, dataDir: null };

async function endRound(): Promise<void> {
  await current.runtime?.close();
  await current.sim?.stop();
  if (current.dataDir) rmSync(current.dataDir, { recursive: true, force: true });
  current.runtime = current.sim = current.dataDir = null;
}

async function round(): Promise<Round> {
  const sim = (current.sim = await startSim());
  const dataDir = (current.dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-bench-k8s-')));
  const image = `127.0.0.1:5000/p:r1@sha256:${'a'.repeat(64)}`;
  gc();
  const rssBefore = process.memoryUsage().rss;
  const runtime = (current.runtime = new KubernetesRuntime({ kubeconfig: { yaml: sim.kubeconfig }, dataDir, imageOf: async () => image, logPollMs: 60_000 }));
  // Baseline: one environment at a time on the idle simulated server (after a warm-up).
  await reconcile(runtime, 1_000_000);
  const single: number[] = [];
  for (let i = 0; i < BASELINE; i++) single.push(await reconcile(runtime, 1_000_001 + i));
  const t0 = performance.now();
  const create = await all(ENVIRONMENTS, CONCURRENCY, (i) => reconcile(runtime, i));
  const wallMs = performance.now() - t0;
  const again = await all(ENVIRONMENTS, CONCURRENCY, (i) => reconcile(runtime, i));
  gc();
  const mem = process.memoryUsage();
  await endRound();
  return { baseline: median(single), create, again, wallMs, rssBefore, rssAfter: mem.rss, heapAfter: mem.heapUsed };
}

await benchMain('kubernetes', 30 * 60_000, async (onCleanup) => {
  onCleanup(endRound);
  console.log(machine());
  console.log(`${ENVIRONMENTS} environments, ${CONCURRENCY} at once, ${ROUNDS} rounds${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: memory without a GC first)'}`);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await round();
    rounds.push(x);
    console.log(
      `round ${r + 1}: one env alone median ${x.baseline.toFixed(1)} ms · create p50 ${median(x.create).toFixed(1)} ms p99 ${quantile(x.create, 0.99).toFixed(1)} ms (wall ${(x.wallMs / 1000).toFixed(2)} s) · ` +
        `re-reconcile p50 ${median(x.again).toFixed(2)} ms p99 ${quantile(x.again, 0.99).toFixed(2)} ms · RSS ${(x.rssBefore / MiB).toFixed(1)} → ${(x.rssAfter / MiB).toFixed(1)} MiB (heap ${(x.heapAfter / MiB).toFixed(1)} MiB)`,
    );
  }
  const m = (f: (x: Round) => number): string => median(rounds.map(f)).toFixed(1);
  console.log(
    `MEDIANS of ${ROUNDS} rounds: one env alone ${m((x) => x.baseline)} ms · create p50 ${m((x) => median(x.create))} ms, p99 ${m((x) => quantile(x.create, 0.99))} ms, wall ${m((x) => x.wallMs / 1000)} s · ` +
      `re-reconcile p99 ${median(rounds.map((x) => quantile(x.again, 0.99))).toFixed(2)} ms · RSS ${m((x) => x.rssBefore / MiB)} → ${m((x) => x.rssAfter / MiB)} MiB, heap ${m((x) => x.heapAfter / MiB)} MiB`,
  );
});
