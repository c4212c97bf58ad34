// A database of its own on the local PostgreSQL (the one the store contract suite uses) for an
// end-to-end test that runs servers with --database: parallel tests never share tables, and the
// whole of it (every schema the servers made) is dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const adminUrl = 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> } | { skip: string }> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    return { skip: `PostgreSQL not reachable at 127.0.0.1:5432/test: ${error instanceof Error ? error.message : String(error)}` };
  }
  const name = `sluice_e2e_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
