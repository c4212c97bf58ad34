// How much run output the store keeps: a cap per step (the rest is cut with a note), and the
// lines of a project's newest runs only, within an age. Runs themselves are never removed.
export interface RunLogPolicy {
  /** Bytes of output kept per step (line text, UTF-8). */
  stepMaxBytes: number;
  /** Runs per project whose log lines are kept. */
  keepRuns: number;
  /** Log lines of runs created longer ago than this are removed. */
  maxAgeMs: number;
}

// 4 MiB per step, as GitLab Runner's default output_limit: enough for a verbose build, and
// a runaway step cannot fill the store.
export const defaultRunLogPolicy: RunLogPolicy = {
  stepMaxBytes: 4 * 1024 * 1024,
  keepRuns: 50,
  maxAgeMs: 30 * 86_400_000,
};
