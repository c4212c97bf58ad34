// Fixtures for the LogStore contract: each implementation opens a fresh store (a SQLite file in a
// temporary directory / a PostgreSQL schema of its own), plus a line builder with ordered times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { LogStore, NewLogEntry } from '../../src/logs/log-store.ts';
import { openSqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.ts';
import { postgresImplementation as storePostgres } from '../store/store-fixtures.ts';

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
  /** Whether bytesOnDisk falls as soon as retention deletes (SQLite gives pages back; PostgreSQL reuses them). */
  shrinksOnRetain: boolean;
  open(): Promise<OpenLogStore>;
}

export function sqliteLogImplementation(): LogImplementation {
  return {
    name: 'sqlite',
    skip: undefined,
    shrinksOnRetain: true,
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

/** The PostgreSQL store when its module exists and the server answers (found the way the state store's contract finds it). */
export async function postgresLogImplementation(): Promise<LogImplementation> {
  const base = await storePostgres();
  const url = base.skip ? undefined : await connectionStringOf();
  return {
    name: 'postgres',
    skip: base.skip ?? (url ? undefined : 'PostgreSQL answered the state store probe but not as user postgres'),
    shrinksOnRetain: false,
    async open() {
      if (!url) throw new Error('PostgreSQL not reachable');
      const { openPostgresLogStore } = await import('../../src/logs/postgres/postgres-log-store.ts');
      const schema = `sluice_logs_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresLogStore({ connectionString: url, schema, max: 4 });
      await store.migrate();
      return {
        store,
        file: null,
        async close() {
          await store.close();
          const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
          await admin.connect();
          try {
            await admin.query(`drop schema if exists "${schema}" cascade`);
          } finally {
            await admin.end();
          }
        },
      };
    },
  };
}

async function connectionStringOf(): Promise<string | undefined> {
  const url = 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
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
