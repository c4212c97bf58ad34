// Fixtures for the LogStore contract: each implementation opens a fresh store (a SQLite file in a
// temporary directory / a PostgreSQL schema of its own), plus a line builder with ordered times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogStore, NewLogEntry } from '../../src/logs/log-store.ts';
import { openSqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.ts';

export interface OpenLogStore {
  store: LogStore;
  /** Where a SQLite store keeps its file (for size and mode checks); null for PostgreSQL. */
  file: string | null;
  close(): Promise<void>;
}

export interface LogImplementation {
  name: string;
  /** Why this implementation cannot run here; undefined when it can. */
  skip: string | undefined;
  open(): Promise<OpenLogStore>;
}

export function sqliteLogImplementation(): LogImplementation {
  return {
    name: 'sqlite',
    skip: undefined,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-logs-'));
      const file = join(dir, 'logs.db');
      const store = openSqliteLogStore(file);
      await store.migrate();
      return {
        store,
        file,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** A fixed instant plus `seconds`, as the ISO text a LogEntry carries. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + seconds * 1000).toISOString();
}

export function line(text: string, overrides: Partial<NewLogEntry> = {}): NewLogEntry {
  return {
    at: at(0),
    source: 'instance',
    project: 'shop',
    environment: 'production',
    release: 3,
    runId: null,
    stepId: null,
    service: 'web',
    instance: 'shop.production.web.r3.1',
    stream: 'stdout',
    level: null,
    text,
    ...overrides,
  };
}
