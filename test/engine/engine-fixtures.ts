// A real SQLite store in a temp directory and engine dependencies around it, for the
// scheduler's recovery and the trigger logic; drivers the tested code never calls throw.
import { spawn, spawnSync } from 'node:child_process';
import type { RunLogs } from '../../src/logs/log-writer.ts';
import type { NewLogEntry } from '../../src/logs/log-store.ts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../src/artifact/artifact-store.ts';
import type { Clock } from '../../src/engine/clock.ts';
import type { Deployer } from '../../src/engine/deploy/deployer.ts';
import type { EngineConfig } from '../../src/engine/engine-config.ts';
import type { Logger } from '../../src/engine/logger.ts';
import type { SecretService } from '../../src/engine/secrets/secret-service.ts';
import type { EngineDeps } from '../../src/engine/run-context.ts';
import { LocalRunner } from '../../src/runner/local/local-runner.ts';
import type { CommitInfo, Source } from '../../src/source/source.ts';
import type { Run, RunState, Stage, Step } from '../../src/store/records.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';

export const hostname = 'test-host';
export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function fixedClock(iso = '2030-01-01T00:00:00.000Z'): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => new Date(now), sleep: async () => {}, set: (t) => (now = new Date(t)) };
}

/** A source whose every ref resolves to `sha`; commits have a fixed author. */
export function fakeSource(resolveTo: (ref: string) => string): Source {
  const info = (sha: string): CommitInfo => ({ sha, author: 'Ada <ada@example.test>', message: `commit ${sha.slice(0, 7)}`, committedAt: '2030-01-01T00:00:00Z' });
  return {
    resolve: async (ref) => resolveTo(ref),
    fetch: async () => {},
    headOf: async (branch) => resolveTo(branch),
    refOf: async (ref) => resolveTo(ref),
    // Every ref exists: a listing that answers any name.
    remoteRefs: async () =>
      new (class extends Map<string, string> {
        override get(ref: string): string {
          return resolveTo(ref);
        }
      })(),
    fetchRef: async (ref) => resolveTo(ref),
    commit: async (sha) => info(sha),
    readFile: async () => null,
    changedPaths: async () => [],
    checkout: async () => {
      throw new Error('not in this test');
    },
  };
}

/** The engine's log writer in memory: what a run wrote, for tests to read. */
export class RecordingLogs implements RunLogs {
  entries: NewLogEntry[] = [];
  add(entry: NewLogEntry): void {
    this.entries.push(entry);
  }
  async flush(): Promise<void> {}
  async removeRuns(ids: readonly string[]): Promise<number> {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.runId === null || !ids.includes(e.runId));
    return before - this.entries.length;
  }
  /** The texts of a run's lines, in order. */
  linesOf(runId: string): string[] {
    return this.entries.filter((e) => e.runId === runId).map((e) => e.text);
  }
}

export interface Fixture {
  dir: string;
  logs: RecordingLogs;
  store: SqlStore;
  clock: ReturnType<typeof fixedClock>;
  deps(owner: string, store?: Store): EngineDeps;
  openAnother(): Promise<SqlStore>;
  close(): Promise<void>;
}

export async function openFixture(source: Source = fakeSource(() => 'a'.repeat(40))): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-'));
  const file = join(dir, 'sluice.db');
  const store = openSqliteStore(file);
  await store.migrate();
  const others: SqlStore[] = [];
  const clock = fixedClock();
  const logs = new RecordingLogs();
  const deps = (owner: string, s: Store = store): EngineDeps => {
    const config: EngineConfig = {
      dataDir: dir, maxRuns: 2, pollIntervalMs: 1000, leaseMs: 10_000, heartbeatMs: 2000, owner, hostname,
      path: '/usr/bin:/bin', home: dir, baseDomain: 'localhost', routerPort: 0, keepArtifacts: 1, keepReleases: 5,
    };
    return {
      store: s, runner: new LocalRunner(), artifacts: new ArtifactStore({ dir: join(dir, 'artifacts') }), sourceOf: () => source, deployer: { settled: async () => {} } as unknown as Deployer, clock, config,
      secrets: {} as SecretService, // recovery and triggers never read secrets
      redact: (line) => line,
      logs,
    };
  };
  return {
    dir, store, clock, deps, logs,
    async openAnother() {
      const s = openSqliteStore(file);
      others.push(s);
      return s;
    },
    async close() {
      for (const s of others) await s.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function addProject(store: SqlStore, name = 'app'): Promise<void> {
  await store.createProject({ name, repo: '/nowhere', branch: 'main', webhookSecret: 'whsec_x', lastSeenSha: null, createdAt: '2030-01-01T00:00:00.000Z', statusHost: null, statusRepo: null, statusApiUrl: null });
}

/** A run left `running` by `owner`, with a running build stage (one running step) and a pending test stage. */
export async function runningRun(store: SqlStore, opts: { owner: string; leaseExpiresAt: string; attempt?: number; cancelRequested?: number; pid?: number | null }): Promise<{ run: Run; build: Stage; test: Stage; step: Step }> {
  const run = await store.createRun({ id: randomUUID(), project: 'app', commitSha: 'a'.repeat(40), branch: 'main', ref: 'main', author: 'Ada', message: 'm', trigger: 'manual', state: 'queued', createdAt: '2030-01-01T00:00:00.000Z' });
  const state: RunState = 'running';
  await store.updateRun(run.id, { state, leaseOwner: opts.owner, leaseExpiresAt: opts.leaseExpiresAt, attempt: opts.attempt ?? 0, cancelRequested: opts.cancelRequested ?? 0, startedAt: '2030-01-01T00:00:00.000Z' });
  const stage = (idx: number, name: string, st: Stage['state']): Stage => ({ id: randomUUID(), runId: run.id, idx, name, kind: name, environment: null, state: st, reason: null, startedAt: st === 'pending' ? null : '2030-01-01T00:00:00.000Z', finishedAt: st === 'succeeded' ? '2030-01-01T00:00:00.000Z' : null });
  const checkout = stage(0, 'checkout', 'succeeded');
  const build = stage(1, 'build', 'running');
  const test = stage(2, 'test', 'pending');
  await store.addStages([checkout, build, test]);
  const step: Step = { id: randomUUID(), runId: run.id, stageId: build.id, idx: 0, name: 'sleep', state: 'running', exitCode: null, pid: opts.pid ?? null, reason: null, startedAt: '2030-01-01T00:00:00.000Z', finishedAt: null };
  await store.addSteps([step, { ...step, id: randomUUID(), stageId: test.id, state: 'pending', pid: null, startedAt: null }]);
  return { run: (await store.getRun(run.id))!, build, test, step };
}

/** A pid that no longer exists (a child that ran and was reaped). */
export function deadPid(): number {
  return Number(spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim());
}

/** A `sleep` leading its own process group, as a step would; ended by the caller if still there. */
export function orphanStep(): { pid: number; exited: Promise<void>; end(): void } {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    exited,
    end: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    },
  };
}
