// Shared pieces of the pipeline benchmarks: statistics, the machine line, timing helpers, and
// a main() wrapper that bounds a benchmark in time and ends what it started on any exit path.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

/** Writes a run's section at the top of a RESULTS file: the runs before stay below it, with their readings. */
export function prependResults(file: string, section: string): void {
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  fs.writeFileSync(file, before ? `${section.trimEnd()}\n\n${before}` : section);
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest-rank on the sorted sample, so p90 of 20 values is the 18th.
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function summary(xs: number[]): { median: number; p90: number; min: number; max: number } {
  return { median: median(xs), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) };
}

/** A millisecond figure for the report. */
export function ms(x: number, digits = 0): string {
  return `${x.toFixed(digits)} ms`;
}

export function secs(xMs: number, digits = 2): string {
  return `${(xMs / 1000).toFixed(digits)} s`;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${new Date().toISOString()} · nproc ${os.availableParallelism()} (${cpu}) · node ${process.version} · ${os.platform()} ${os.release()} · load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

export const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));

export const isoMs = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * Runs a benchmark with a hard time bound. Cleanups run (newest first) on success, failure,
 * the deadline, or Ctrl-C, so no server or data plane outlives the benchmark.
 */
export async function benchMain(name: string, limitMs: number, body: (onCleanup: (fn: () => Promise<void> | void) => void) => Promise<void>): Promise<void> {
  const cleanups: Array<() => Promise<void> | void> = [];
  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (error) {
          console.error(`${name}: cleanup failed:`, error);
        }
      }
    })());
  const bail = (why: string) => (): void => {
    console.error(`\n${name}: ${why}; ending everything it started`);
    void cleanup().finally(() => process.exit(2));
  };
  const deadline = setTimeout(bail(`time limit of ${limitMs / 1000} s reached`), limitMs);
  process.once('SIGINT', bail('interrupted'));
  process.once('SIGTERM', bail('terminated'));
  let code = 0;
  try {
    await body((fn) => cleanups.push(fn));
  } catch (error) {
    console.error(`${name} failed:`, error);
    code = 1;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
  process.exit(code);
}

interface ApiServer {
  api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/**
 * Waits for the newest run of a commit to end, through the API (the harness's waitRun spawns a
 * CLI process per poll, which costs a core's worth of CPU that a 2-core benchmark cannot spare).
 */
export async function waitRunOf<T extends { id: string; commit: string; state: string }>(server: ApiServer, project: string, sha: string, timeoutMs: number): Promise<T> {
  const ended = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    const { body } = await server.api<T[]>('GET', `/api/projects/${project}/runs?limit=20`);
    last = body.find((r) => r.commit === sha);
    if (last && ended.has(last.state)) return (await server.api<T>('GET', `/api/runs/${last.id}`)).body;
    await sleep(100);
  }
  throw new Error(`no run of ${sha} ended within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/**
 * Turns the example's default production bake (60 s) off in `dir`'s sluice.yaml (the caller
 * commits it): a bake holds production's deploy lock and its run for 60 s after each commit goes
 * live, and these benches deploy one commit after the other.
 */
export function exampleWithoutBake(dir: string): void {
  const specFile = path.join(dir, 'sluice.yaml');
  fs.writeFileSync(specFile, fs.readFileSync(specFile, 'utf8').replace('    approval: false\n', '    approval: false\n    bake: 0\n'));
  if (!fs.readFileSync(specFile, 'utf8').includes('bake: 0')) throw new Error('could not turn the bake off in the example');
}
