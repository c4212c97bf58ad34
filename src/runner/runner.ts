// The Runner port: runs one pipeline step (a shell command) and reports its output line by line.
import type { SandboxLimits } from '../sandbox/sandbox-limits.ts';

/** How a step is confined (when the runner sandboxes): what it may write, network, limits. */
export interface StepConfinement {
  /** The run's workspace: the one host directory the step sees (read-write, at /workspace). cwd and env paths under it are mapped. */
  workspace: string;
  network: boolean;
  limits: SandboxLimits;
}

export interface StepRequest {
  command: string;
  cwd: string;
  /** The complete environment of the step; nothing is inherited from the server's own. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called synchronously once per output line (without its line ending). */
  onLine: (stream: 'stdout' | 'stderr', line: string, at: Date) => void;
  confinement?: StepConfinement;
  /** Called right after spawn with the pid, which is also the id of the step's process group. */
  onStart?: (pid: number) => void;
}

export const StepOutcome = {
  succeeded: 'succeeded',
  failed: 'failed',
  timedOut: 'timed_out',
  cancelled: 'cancelled',
} as const;
export type StepOutcome = (typeof StepOutcome)[keyof typeof StepOutcome];

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  outcome: StepOutcome;
  /** Human-readable cause of a non-success outcome; null when succeeded. */
  reason: string | null;
  startedAt: Date;
  finishedAt: Date;
  /** How many output lines were longer than the line limit and were cut. */
  truncatedLines: number;
}

export interface Runner {
  /** Said at the start of every run's log when not null (e.g. that steps run unsandboxed). */
  readonly notice: string | null;
  run(req: StepRequest): Promise<StepResult>;
  /** Ends what is left of a step that a dead server started (`pid`: its process group, as given to onStart). */
  endOrphan(pid: number): void;
}
