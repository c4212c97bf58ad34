// What the data plane and an instance's shim tell each other. The shim reads its config on
// stdin (secrets never go through argv or the environment of the shim itself), announces the
// instance's pid and exit as JSON lines on stdout while the data plane that started it lives,
// and keeps the same facts in a status file that a later data plane reads when it adopts it
// (read back through shim-schemas.ts).
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
