// What the data plane and an instance's shim tell each other. The shim reads its config on
// stdin (secrets never go through argv or the environment of the shim itself), announces the
// instance's pid and exit as JSON lines on stdout while the data plane that started it lives,
// and keeps the same facts in a status file that a later data plane reads when it adopts it.
import { readFileSync } from 'node:fs';
import { writeFileDurable } from '../../../fs/write-file-durable.ts';
import type { BwrapArgs, Sandbox } from '../../../sandbox/sandbox.ts';
import type { SandboxLimits } from '../../../sandbox/sandbox-limits.ts';
import type { InstanceLogLimits } from '../log-writer.ts';

export interface ShimConfig {
  command: string;
  cwd: string;
  /** The instance's whole environment, secrets included. */
  env: Record<string, string>;
  /** Values masked in every output line before it is written. */
  secrets: string[];
  logFile: string;
  /** Caps of the log (rotation); absent: it only grows. */
  logLimits?: InstanceLogLimits | undefined;
  statusFile: string;
  port: number;
  /** Run inside bubblewrap with these arguments (they hold `command`); absent: unsandboxed. */
  sandbox?: { sandbox: Sandbox; args: BwrapArgs; limits: SandboxLimits } | undefined;
}

export interface ShimExit {
  code: number | null;
  signal: string | null;
  at: string;
  /** The last stderr lines (redacted), to explain an early exit. */
  stderrTail: string[];
}

/** The status file: written once the instance runs, again when it exits. */
export interface ShimStatus {
  shimPid: number;
  pid: number;
  port: number;
  startedAt: string;
  exit: ShimExit | null;
}

export type ShimEvent = { pid: number } | { exit: ShimExit } | { error: string };

/** Durable (temp file, fsync, rename, directory fsync): a status survives a crash whole or not at all. */
export function writeStatusFile(file: string, status: ShimStatus): void {
  writeFileDurable(file, JSON.stringify(status), { mode: 0o600 });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The status file read back and checked field by field; undefined when absent or malformed. */
export function readStatusFile(file: string): ShimStatus | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (!isInt(s.shimPid) || !isInt(s.pid) || !isInt(s.port) || typeof s.startedAt !== 'string') return undefined;
  let exit: ShimExit | null = null;
  if (s.exit !== null && typeof s.exit === 'object') {
    const e = s.exit as Record<string, unknown>;
    exit = {
      code: isInt(e.code) ? e.code : null,
      signal: typeof e.signal === 'string' ? e.signal : null,
      at: typeof e.at === 'string' ? e.at : new Date().toISOString(),
      stderrTail: Array.isArray(e.stderrTail) ? e.stderrTail.filter((l): l is string => typeof l === 'string') : [],
    };
  }
  return { shimPid: s.shimPid, pid: s.pid, port: s.port, startedAt: s.startedAt, exit };
}
