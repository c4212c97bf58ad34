import { mkdirSync, statSync } from 'node:fs';
import { RuntimeError, errorMessage } from '../../errors.ts';
import { Backoff } from './backoff.ts';
import { freePort } from './free-port.ts';
import { probeHttp, probeTcp } from './health-check.ts';
import type { ProbeResult } from './health-check.ts';
import type { InstanceLogLimits } from './log-writer.ts';
import { killProcessGroup, waitGroupGone } from './process-group.ts';
import { chownTree } from '../../sandbox/chown-tree.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../sandbox/sandbox-limits.ts';
import { instanceSandboxArgs, sandboxLimitPrefix } from './instance-sandbox.ts';
import { spawnShim, type ShimHandle } from './shim/spawn-shim.ts';
import type { InstanceExit, InstanceSpec, InstanceState, InstanceStatus } from './types.ts';

export interface InstanceSettings {
  path: string;
  home: string;
  graceMs: number;
  backoff: { initialMs: number; maxMs: number };
  tcpReadyDeadlineMs: number;
  notify: (status: InstanceStatus) => void;
  secretEnv: (spec: InstanceSpec) => Record<string, string>;
  /** Caps of the instance's log, applied by its shim (undefined: it only grows). */
  logLimits: (spec: InstanceSpec) => InstanceLogLimits | undefined;
  /** Where the instance's shim records its pid and exit (read again when a later data plane adopts it). */
  statusFileOf: (spec: InstanceSpec) => string;
  sandbox: Sandbox | null;
  /** The instance's /scratch on the host (sandboxed instances only). */
  scratchDirOf: (spec: InstanceSpec) => string;
}

/** A process that stayed ready this long has proven itself: later crashes restart quickly again. */
const stableAfterMs = 30_000;
/** Exits before ever becoming ready, in a row, after which the instance is failed. */
const maxEarlyExits = 5;
/** Consecutive failed checks after which a ready instance is unhealthy. */
const unhealthyAfterFailures = 3;
/**
 * Before readiness, probe at least this often: readiness gates deploys, and a probe of a loopback
 * port is cheap. At 250 ms a deploy lost about 125 ms per instance start to the wait (0022).
 */
const readyProbeMaxIntervalMs = 100;
/**
 * The first probe of a new process comes this soon, and the delay doubles up to the interval:
 * most services listen 100-300 ms after their start, and a rollout waits for each (0012).
 */
const firstProbeMs = 20;
const tcpProbeIntervalMs = 1000;
const minProbeIntervalMs = 50;
const tcpProbeTimeoutMs = 1000;

/** One spawned process of the instance, behind its shim (which owns its output). */
interface Attempt {
  readonly port: number;
  readonly pid: number;
  readonly exit: Promise<void>;
  /** The shim is gone: the pipes are drained and the log is closed. */
  readonly streamsClosed: Promise<void>;
  stderrTail: string[];
  exited: boolean;
  everReady: boolean;
  failures: number;
  /** Probes so far that found it not ready yet (the ramp up to the interval). */
  probesBeforeReady: number;
  lastProbe: string | null;
  timers: Set<NodeJS.Timeout>;
  terminating: Promise<void> | null;
  /** Set once the group is known gone: its id may then be reused, so it must not be signalled again. */
  groupGone: boolean;
}

/** The life of one instance: spawn, readiness, health, restarts with backoff, stop. */
export class Instance {
  readonly spec: InstanceSpec;
  readonly #settings: InstanceSettings;
  readonly #backoff: Backoff;
  readonly #listeners = new Set<(status: InstanceStatus) => void>();
  #state: InstanceState = 'starting';
  #restarts = 0;
  #startedAt: string | null = null;
  #readyAt: string | null = null;
  #lastExit: InstanceExit | null = null;
  #reason: string | null = null;
  #attempt: Attempt | null = null;
  #earlyExits = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #stopping: Promise<void> | null = null;
  #launching: Promise<void> | null = null;

  constructor(spec: InstanceSpec, settings: InstanceSettings) {
    this.spec = spec;
    this.#settings = settings;
    this.#backoff = new Backoff(settings.backoff.initialMs, settings.backoff.maxMs);
  }

  status(): InstanceStatus {
    const live = this.#attempt !== null && !this.#attempt.exited ? this.#attempt : null;
    const status: InstanceStatus = {
      id: this.spec.id,
      state: this.#state,
      port: live?.port ?? null,
      pid: live?.pid ?? null,
      restarts: this.#restarts,
      startedAt: this.#startedAt,
      readyAt: this.#readyAt,
      lastExit: this.#lastExit === null ? null : { ...this.#lastExit },
      reason: this.#reason,
    };
    if (this.spec.labels) status.labels = { ...this.spec.labels };
    return status;
  }

  /** Launches the first process; called once (or adopt). */
  begin(): void {
    this.#emit();
    this.#launching = this.#launch();
  }

  /** Takes over a process whose shim an earlier data plane started; health checks resume at once. */
  adopt(handle: ShimHandle): void {
    const attempt = this.#track(handle);
    this.#attempt = attempt;
    this.#startedAt = handle.startedAt;
    this.#emit();
    const deadlineMs = this.spec.health?.deadlineMs ?? this.#settings.tcpReadyDeadlineMs;
    this.#timer(attempt, deadlineMs, () => this.#onDeadline(attempt, deadlineMs));
    this.#timer(attempt, 0, () => void this.#probe(attempt));
  }

  waitReady(timeoutMs: number): Promise<InstanceStatus> {
    return new Promise((resolve, reject) => {
      const settle = (status: InstanceStatus): boolean => {
        const error = readinessError(status);
        if (status.state !== 'ready' && error === null) return false;
        this.#listeners.delete(settle);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(status);
        return true;
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(settle);
        const status = this.status();
        const why = status.reason ?? (this.#attempt?.lastProbe ? `last check: ${this.#attempt.lastProbe}` : null);
        reject(
          new RuntimeError(`instance ${status.id} not ready within ${timeoutMs} ms (state ${status.state}${why ? `: ${why}` : ''})`, {
            retryable: true,
            details: { ...status },
          }),
        );
      }, timeoutMs);
      if (!settle(this.status())) this.#listeners.add(settle);
    });
  }

  /** Marks stopping, SIGTERMs the group, SIGKILLs it after graceMs; resolves once stopped. */
  stop(graceMs = this.#settings.graceMs): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#clearRestart();
    this.#setState('stopping');
    this.#stopping = (async () => {
      await this.#launching; // a shim being started is stopped with its instance
      if (this.#attempt) await this.#terminate(this.#attempt, graceMs);
      this.#setState('stopped');
    })();
    return this.#stopping;
  }

  async #launch(): Promise<void> {
    let port: number;
    try {
      port = await freePort();
    } catch (error) {
      this.#fail(`cannot find a free loopback port: ${errorMessage(error)}`);
      return;
    }
    if (this.#state !== 'starting') return; // stopped or failed meanwhile
    try {
      if (!statSync(this.spec.cwd).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      this.#fail(`release directory ${this.spec.cwd} is unusable: ${errorMessage(error)}`);
      return;
    }
    let handle: ShimHandle;
    try {
      const secrets = this.#settings.secretEnv(this.spec);
      const sandbox = this.#settings.sandbox;
      const scratch = this.#settings.scratchDirOf(this.spec);
      if (sandbox) mkdirSync(scratch, { recursive: true, mode: 0o700 });
      if (sandbox?.identity.kind === 'user') {
        await chownTree(this.spec.cwd, sandbox.identity.uid, sandbox.identity.gid);
        await chownTree(scratch, sandbox.identity.uid, sandbox.identity.gid);
      }
      handle = await spawnShim({
        command: this.spec.command,
        cwd: this.spec.cwd,
        // In the sandbox the server's HOME does not exist: the private /tmp does.
        env: { PATH: this.#settings.path, HOME: sandbox ? '/tmp' : this.#settings.home, ...this.spec.env, ...secrets, PORT: String(port) },
        ...(sandbox ? { sandbox: { sandbox, args: instanceSandboxArgs(sandbox, this.spec, scratch), limits: this.spec.limits ?? DEFAULT_SANDBOX_LIMITS } } : {}),
        secrets: Object.values(secrets),
        logFile: this.spec.logFile,
        logLimits: this.#settings.logLimits(this.spec),
        statusFile: this.#settings.statusFileOf(this.spec),
        port,
      });
    } catch (error) {
      this.#fail(errorMessage(error));
      return;
    }
    const attempt = this.#track(handle);
    this.#attempt = attempt;
    this.#startedAt = handle.startedAt;
    // Stopped meanwhile: stop() ends it once this launch is over. Failed meanwhile: ended here.
    const now = this.#currentState(); // it may have changed while the shim started
    if (now === 'failed') void this.#terminate(attempt, this.#settings.graceMs);
    if (now !== 'starting') return;
    this.#readyAt = null;
    const deadlineMs = this.spec.health?.deadlineMs ?? this.#settings.tcpReadyDeadlineMs;
    this.#timer(attempt, deadlineMs, () => this.#onDeadline(attempt, deadlineMs));
    this.#timer(attempt, this.#probeInterval(attempt), () => void this.#probe(attempt));
  }

  #track(handle: ShimHandle): Attempt {
    const attempt: Attempt = {
      port: handle.port,
      pid: handle.pid,
      exit: handle.exit.then(() => {}),
      streamsClosed: handle.gone,
      stderrTail: [],
      exited: false,
      everReady: false,
      failures: 0,
      probesBeforeReady: 0,
      lastProbe: null,
      timers: new Set(),
      terminating: null,
      groupGone: false,
    };
    void handle.exit.then((exit) => {
      attempt.stderrTail = exit.stderrTail;
      this.#onExit(attempt, exit.code, exit.signal);
    });
    return attempt;
  }

  #onExit(attempt: Attempt, code: number | null, signal: string | null): void {
    attempt.exited = true;
    this.#clearTimers(attempt);
    this.#lastExit = { code, signal, at: new Date().toISOString() };
    if (attempt.terminating || this.#attempt !== attempt) return;
    // Unexpected: whatever it left in its group (orphans holding the port or the pipes) goes too.
    try {
      killProcessGroup(attempt.pid, 'SIGKILL');
    } catch {
      /* not ours to signal any more */
    }
    void waitGroupGone(attempt.pid, 5000).then(
      (gone) => {
        attempt.groupGone = gone;
      },
      () => {},
    );
    const ended = attempt.stderrTail.at(-1);
    const limit = ended?.startsWith(sandboxLimitPrefix) ? `: ${ended.slice(sandboxLimitPrefix.length)}` : '';
    const how = `${code !== null ? `exited with code ${code}` : `was killed by signal ${signal ?? 'unknown'}`}${limit}`;
    if (!attempt.everReady) this.#earlyExits += 1;
    this.#setState('crashed', `start command ${how}`);
    // 'exit' can come before the last stderr bytes: read them before explaining the exit.
    void raceTimeout(attempt.streamsClosed, 500).then(() => this.#afterCrash(attempt, how));
  }

  #afterCrash(attempt: Attempt, how: string): void {
    if (this.#state !== 'crashed' || this.#attempt !== attempt) return; // stopped meanwhile
    if (this.#earlyExits >= maxEarlyExits) {
      this.#fail(`start command ${how} before becoming ready: ${lastErrorLines(attempt.stderrTail)}`);
      return;
    }
    const delay = this.#backoff.next();
    this.#setState('backoff', `start command ${how}; restarting in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#state !== 'backoff') return;
      this.#restarts += 1;
      this.#setState('starting', null);
      this.#launching = this.#launch();
    }, delay);
  }

  #onDeadline(attempt: Attempt, deadlineMs: number): void {
    if (!this.#isLive(attempt) || attempt.everReady) return;
    const last = attempt.lastProbe ? ` (last: ${attempt.lastProbe})` : '';
    const health = this.spec.health;
    this.#fail(
      health
        ? `health check ${health.path} did not pass within ${deadlineMs} ms${last}`
        : `port ${attempt.port} did not accept connections within ${deadlineMs} ms${last}`,
    );
  }

  async #probe(attempt: Attempt): Promise<void> {
    if (!this.#isLive(attempt)) return;
    const health = this.spec.health;
    let result: ProbeResult;
    try {
      result = health ? await probeHttp(attempt.port, health.path, health.timeoutMs) : await probeTcp(attempt.port, tcpProbeTimeoutMs);
    } catch (error) {
      result = { ok: false, detail: errorMessage(error) };
    }
    if (!this.#isLive(attempt)) return;
    attempt.lastProbe = result.detail;
    if (result.ok) {
      attempt.failures = 0;
      if (!attempt.everReady) this.#onReady(attempt);
      else if (this.#state === 'unhealthy') this.#setState('ready', null);
    } else if (attempt.everReady) {
      attempt.failures += 1;
      if (attempt.failures >= unhealthyAfterFailures && this.#state === 'ready') {
        this.#setState('unhealthy', `${health ? `health check ${health.path}` : `port ${attempt.port}`} failed ${attempt.failures} times in a row: ${result.detail}`);
      }
    }
    this.#timer(attempt, this.#probeInterval(attempt), () => void this.#probe(attempt));
  }

  #onReady(attempt: Attempt): void {
    attempt.everReady = true;
    this.#earlyExits = 0;
    this.#readyAt = new Date().toISOString();
    this.#timer(attempt, stableAfterMs, () => this.#backoff.reset());
    this.#setState('ready', null);
  }

  #probeInterval(attempt: Attempt): number {
    // Clamped: a tiny interval must not turn health checks into a busy loop.
    const interval = Math.max(this.spec.health?.intervalMs ?? tcpProbeIntervalMs, minProbeIntervalMs);
    if (attempt.everReady) return interval;
    // Doubling from firstProbeMs: a bounded number of quick probes, then the usual pace.
    const ramp = firstProbeMs * 2 ** Math.min(attempt.probesBeforeReady++, 10);
    return Math.min(ramp, interval, readyProbeMaxIntervalMs);
  }

  /** Fails the instance for good (until stopped) and takes its process down. */
  #fail(reason: string): void {
    if (this.#state === 'failed' || this.#stopping) return;
    this.#clearRestart();
    this.#setState('failed', reason);
    const attempt = this.#attempt;
    if (attempt) void this.#terminate(attempt, this.#settings.graceMs);
  }

  /** SIGTERM the group, wait for it up to graceMs, SIGKILL what remains; never rejects. */
  #terminate(attempt: Attempt, graceMs: number): Promise<void> {
    attempt.terminating ??= (async () => {
      this.#clearTimers(attempt);
      if (!attempt.groupGone) await signalGroup(attempt, graceMs);
      attempt.groupGone = true;
      // The shim ends once every holder of the pipes is gone and the last lines are written.
      await raceTimeout(attempt.streamsClosed, 1000);
    })();
    return attempt.terminating;
  }

  #isLive(attempt: Attempt): boolean {
    return (
      this.#attempt === attempt &&
      !attempt.exited &&
      attempt.terminating === null &&
      (this.#state === 'starting' || this.#state === 'ready' || this.#state === 'unhealthy')
    );
  }

  #timer(attempt: Attempt, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      attempt.timers.delete(timer);
      fn();
    }, ms);
    attempt.timers.add(timer);
  }

  #clearTimers(attempt: Attempt): void {
    for (const timer of attempt.timers) clearTimeout(timer);
    attempt.timers.clear();
  }

  #clearRestart(): void {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
  }

  #currentState(): InstanceState {
    return this.#state;
  }

  #setState(state: InstanceState, reason?: string | null): void {
    if (reason !== undefined) this.#reason = reason;
    if (state === this.#state) return;
    this.#state = state;
    this.#emit();
  }

  #emit(): void {
    const status = this.status();
    for (const listener of [...this.#listeners]) listener(status);
    try {
      this.#settings.notify(status);
    } catch {
      /* an observer's bug must not break supervision */
    }
  }
}

/** Why waiting for readiness is over without success, or null while it may still come. */
function readinessError(status: InstanceStatus): RuntimeError | null {
  if (status.state === 'failed') return new RuntimeError(`instance ${status.id} failed: ${status.reason ?? 'unknown reason'}`, { details: { ...status } });
  if (status.state === 'stopping' || status.state === 'stopped') {
    return new RuntimeError(`instance ${status.id} was stopped before it became ready`, { details: { ...status } });
  }
  return null;
}

async function signalGroup(attempt: Attempt, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      killProcessGroup(attempt.pid, sig);
    } catch {
      /* EPERM: the group is no longer ours */
    }
  };
  const deadline = Date.now() + graceMs;
  signal('SIGTERM');
  await raceTimeout(attempt.exit, graceMs);
  // The leader may exit while others of its group still wind down: give them the rest of the grace.
  const groupGone = await waitGroupGone(attempt.pid, Math.max(0, deadline - Date.now()));
  if (attempt.exited && groupGone) return;
  signal('SIGKILL');
  await raceTimeout(attempt.exit, 5000);
  await waitGroupGone(attempt.pid, 2000);
}

/** The stderr line that best explains an early exit: the last error-looking one, else the last few. */
function lastErrorLines(tail: readonly string[]): string {
  if (tail.length === 0) return '(nothing on stderr)';
  const errorLike = /error|exception|fatal|cannot|can't|not found|denied|refused|failed|no such/i;
  for (let i = tail.length - 1; i >= 0; i -= 1) {
    const line = tail[i];
    if (line !== undefined && errorLike.test(line) && !/^\s+at\s/.test(line)) return clip(line.trim());
  }
  return clip(tail.slice(-3).map((line) => line.trim()).join(' | '));
}

function clip(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
