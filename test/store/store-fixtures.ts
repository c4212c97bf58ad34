// Fixtures for the store contract: each implementation opens two stores on one database
// (two "servers"), plus record builders with fixed, ordered ISO times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import type { NewRelease, NewRun } from '../../src/store/store.ts';
import type { Project } from '../../src/store/records.ts';

export interface StorePair {
  a: SqlStore;
  b: SqlStore;
  close(): Promise<void>;
}

export interface Implementation {
  name: string;
  /** Why this implementation cannot run here; undefined when it can. */
  skip: string | undefined;
  /** The database's URL (PostgreSQL), for tests that open stores of their own. */
  connectionString?: string;
  open(): Promise<StorePair>;
}

export function sqliteImplementation(): Implementation {
  return {
    name: 'sqlite',
    skip: undefined,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-store-'));
      const file = join(dir, 'sluice.db');
      const a = openSqliteStore(file);
      const b = openSqliteStore(file);
      await a.migrate();
      await b.migrate();
      return {
        a,
        b,
        async close() {
          await a.close();
          await b.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

const pgHost = '127.0.0.1:5432';
const pgDatabase = 'test';

async function probe(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** Finds a user that can connect (postgres, else the OS user); reports why not otherwise. */
export async function postgresImplementation(): Promise<Implementation> {
  const errors: string[] = [];
  let url: string | undefined;
  for (const user of ['postgres', userInfo().username]) {
    const candidate = `postgres://${encodeURIComponent(user)}@${pgHost}/${pgDatabase}`;
    try {
      await probe(candidate);
      url = candidate;
      break;
    } catch (error) {
      errors.push(`${user}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const connectionString = url;
  return {
    name: 'postgres',
    ...(connectionString ? { connectionString } : {}),
    skip: connectionString ? undefined : `PostgreSQL not reachable at ${pgHost}/${pgDatabase}: ${errors.join('; ')}`,
    async open() {
      if (!connectionString) throw new Error('PostgreSQL not reachable');
      // A fresh schema per test: isolation, and nothing left behind after the drop.
      const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
      const a = openPostgresStore({ connectionString, schema, max: 5 });
      const b = openPostgresStore({ connectionString, schema, max: 5 });
      await a.migrate();
      await b.migrate();
      return {
        a,
        b,
        async close() {
          await a.close();
          await b.close();
          const admin = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
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

/** A fixed instant plus `seconds`: ISO strings that sort like the times they denote. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + seconds * 1000).toISOString();
}

export function project(name: string): Project {
  return { name, repo: `https://git.example/${name}.git`, branch: 'main', webhookSecret: 'secret', lastSeenSha: null, createdAt: at(0), statusHost: null, statusRepo: null, statusApiUrl: null };
}

export function newRun(projectName: string, createdAt = at(1), overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: `run-${randomUUID()}`,
    project: projectName,
    commitSha: 'a'.repeat(40),
    branch: 'main',
    ref: 'refs/heads/main',
    author: 'Ada',
    message: 'change',
    trigger: 'push',
    state: 'queued',
    createdAt,
    ...overrides,
  };
}

export function newRelease(projectName: string, environment: string, digest: string, overrides: Partial<NewRelease> = {}): NewRelease {
  return {
    project: projectName,
    environment,
    runId: null,
    runNumber: null,
    commitSha: 'b'.repeat(40),
    artifactDigest: digest,
    configJson: '{}',
    state: 'active',
    reason: null,
    rolledBackFrom: null,
    createdAt: at(5),
    ...overrides,
  };
}

/**
 * One contract suite on every implementation: `body` declares its tests inside a describe per
 * implementation, each test with two fresh stores on one new database (`stores()`). An
 * implementation that cannot run here is a skipped test that prints why, never silence.
 */
export async function describeStoreContract(title: string, body: (stores: () => StorePair) => void): Promise<void> {
  for (const impl of [sqliteImplementation(), await postgresImplementation()]) {
    const skip = impl.skip;
    if (skip) {
      void test(`${title}: ${impl.name}`, (t) => {
        t.diagnostic(skip);
        t.skip(skip);
      });
      continue;
    }
    void describe(`${title}: ${impl.name}`, () => {
      let pair: StorePair | undefined;
      beforeEach(async () => {
        pair = await impl.open();
      });
      afterEach(async () => {
        await pair?.close();
        pair = undefined;
      });
      body(() => {
        if (!pair) throw new Error('stores not open');
        return pair;
      });
    });
  }
}
