import type { Sandbox } from '../../sandbox/sandbox.ts';
import type { SandboxLimits } from '../../sandbox/sandbox-limits.ts';
import type { InstanceLogLimits } from './log-writer.ts';

/** What to run for one instance of a release. */
export interface InstanceSpec {
  /** Unique, e.g. "accept02.production.web.r3.1". */
  id: string;
  /** The unpacked release directory. */
  cwd: string;
  /** Run with /bin/sh -c: the user wrote a shell command. */
  command: string;
  /** The service env. The supervisor adds PORT, PATH and HOME, and nothing else of its own env. */
  env: Record<string, string>;
  /** null: ready when the port accepts TCP connections. */
  health: { path: string; intervalMs: number; timeoutMs: number; deadlineMs: number } | null;
  /** Append-only JSON lines {ts, stream: 'stdout'|'stderr', line}. */
  logFile: string;
  /** Secret environment, sealed (never kept in plain text); opened by SupervisorOptions.secretEnv at spawn. */
  sealedSecretEnv?: string;
  labels?: Record<string, string>;
  /** Sandbox limits (absent: the defaults). */
  limits?: SandboxLimits;
}

export const InstanceState = {
  starting: 'starting',
  ready: 'ready',
  unhealthy: 'unhealthy',
  crashed: 'crashed',
  backoff: 'backoff',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'failed',
} as const;
export type InstanceState = (typeof InstanceState)[keyof typeof InstanceState];

export interface InstanceExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface InstanceStatus {
  id: string;
  state: InstanceState;
  /** The port of the running process; null while none runs. */
  port: number | null;
  pid: number | null;
  restarts: number;
  /** When the current (or last) process was spawned. */
  startedAt: string | null;
  /** When the current process first passed its readiness check; null until then. */
  readyAt: string | null;
  lastExit: InstanceExit | null;
  /** Why the instance is failed, unhealthy, crashed or backing off; null when all is well. */
  reason: string | null;
  labels?: Record<string, string>;
}

export interface SupervisorOptions {
  /** PATH given to instances. */
  path: string;
  /** HOME given to instances. */
  home: string;
  /** Time between SIGTERM and SIGKILL when stopping; default 10000. */
  graceMs?: number;
  /** Restart delay after a crash; default 500 doubling up to 30000. */
  backoff?: { initialMs: number; maxMs: number };
  /** Readiness deadline for instances without a health check (TCP only); default 60000. */
  tcpReadyDeadlineMs?: number;
  /** Called with a snapshot on every state change. */
  onChange?: (status: InstanceStatus) => void;
  /** Where instances' shims keep their status files; default: `.shims` beside each log file. */
  shimDir?: string;
  /** The instance's secret environment, added at each spawn (opened from `sealedSecretEnv`); its values are redacted from the output. */
  secretEnv?: (spec: InstanceSpec) => Record<string, string>;
  /** Size and age limits of the instance's log, asked at each start (its share of its environment's cap). */
  logLimits?: (spec: InstanceSpec) => InstanceLogLimits | undefined;
  /** Instances run inside this sandbox (release read-only at /app); null or absent: unsandboxed. */
  sandbox?: Sandbox | null;
  /** A sandboxed instance's writable /scratch on the host (kept across its restarts, removed when it stops for good); default: beside its log. */
  scratchDir?: string;
}
