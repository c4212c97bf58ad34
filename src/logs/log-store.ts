// The LogStore port: every line the platform sees (step output, deploy and rollout events,
// instance stdout/stderr, optionally the router's access log) in one place, searchable and
// followable. Implementations: src/logs/sqlite (a database file of its own with an FTS5 index,
// so log volume never slows the state store) and src/logs/postgres (full text / pg_trgm).
// One contract suite: test/logs/log-store-contract.test.ts.
//
// Lines arrive redacted and cut to maxLineBytes already (src/logs/log-entry.ts); a store never
// sees a secret and never rewrites text.

/** Where a line comes from. */
export const logSources = ['step', 'deploy', 'instance', 'router'] as const;
export type LogSource = (typeof logSources)[number];

/** stdout/stderr of a step or instance; `event` for a deploy or rollout event; `access` for the router's access log. */
export const logStreams = ['stdout', 'stderr', 'event', 'access'] as const;
export type LogStream = (typeof logStreams)[number];

/** Ordered from least to most severe; `--level warn` means warn and above. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface NewLogEntry {
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  source: LogSource;
  project: string;
  /** null for a run's build/test steps before any environment. */
  environment: string | null;
  /** The release number within its environment. */
  release: number | null;
  runId: string | null;
  stepId: string | null;
  service: string | null;
  instance: string | null;
  stream: LogStream;
  /** Parsed from a JSON line's level/severity/lvl; null when the line carries none. */
  level: LogLevel | null;
  /** The text, redacted; at most maxLineBytes of UTF-8 (longer lines are cut and marked before they arrive). */
  text: string;
}

export interface LogEntry extends NewLogEntry {
  /** Strictly increasing in insertion order within one store: the follow cursor (SSE Last-Event-ID). */
  id: number;
}

/** Field filters; every one given must match. */
export interface LogFilter {
  project?: string;
  environment?: string;
  release?: number;
  runId?: string;
  stepId?: string;
  service?: string;
  instance?: string;
  source?: LogSource;
  stream?: LogStream;
  /** This level and above; lines without a level never match a level filter. */
  minLevel?: LogLevel;
  /** Inclusive lower bound on `at` (ISO). */
  since?: string;
  /** Exclusive upper bound on `at` (ISO). */
  until?: string;
}

/** Text conditions; all must hold (AND). Case-insensitive. */
export interface LogText {
  /** Whole words (letters, digits, underscore), each must occur as a word in the line. */
  tokens?: string[];
  /** Each must occur somewhere in the line, as is (grep -F -i). */
  substrings?: string[];
}

export interface LogSearch extends LogFilter {
  text?: LogText;
  /** Newest first: only entries with id < before (the cursor from the previous page). */
  before?: number;
  /** At most this many entries (1..10 000). */
  limit: number;
}

export interface LogPage {
  /** Newest first. */
  entries: LogEntry[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null;
}

export interface LogRetention {
  /** Lines older than this (ISO) are deleted. */
  olderThan: string | null;
  /** Per project: its lines beyond this many bytes of text, oldest first, are deleted. */
  maxBytesPerProject: number | null;
  /** Whole store: oldest lines beyond this many bytes (on disk, as the implementation measures it) are deleted. */
  maxBytesTotal: number | null;
}

export interface LogStoreStats {
  lines: number;
  /** What the store occupies on disk (SQLite: the file and its WAL; PostgreSQL: the tables and indexes). */
  bytesOnDisk: number;
  oldestAt: string | null;
  lastId: number;
}

export interface LogStore {
  /** Creates the tables and indexes; idempotent. */
  migrate(): Promise<void>;
  /** Appends in order, in one transaction; returns the id of the last entry (0 for none). */
  append(entries: readonly NewLogEntry[]): Promise<number>;
  /** Newest first, paginated by id. */
  search(query: LogSearch): Promise<LogPage>;
  /** Oldest first: entries with id > afterId (the follow cursor), at most limit. */
  readAfter(filter: LogFilter & { text?: LogText }, afterId: number, limit: number): Promise<LogEntry[]>;
  /** Deletes what the policy says is beyond retention; returns how many lines went. */
  retain(policy: LogRetention): Promise<number>;
  /** Deletes every line of a run (a run removed) or of a project (a project removed). */
  remove(scope: { runId: string } | { project: string }): Promise<number>;
  stats(): Promise<LogStoreStats>;
  close(): Promise<void>;
}
