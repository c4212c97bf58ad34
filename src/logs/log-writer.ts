// The port the engine writes log lines through (src/logs/log-ingest.ts implements it): adding
// never waits for the store; flush waits until what was added is stored (or given up on).
import type { NewLogEntry } from './log-store.ts';

export interface LogWriter {
  add(entry: NewLogEntry): void;
  flush(): Promise<void>;
}

/** What the engine needs of the log store: writing, and dropping the lines of runs past retention. */
export interface RunLogs extends LogWriter {
  /** Deletes every line of these runs; returns how many went. */
  removeRuns(runIds: readonly string[]): Promise<number>;
}
