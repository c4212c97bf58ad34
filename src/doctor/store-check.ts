// Can the store be reached? The SQLite file is opened read-only (never migrated or written);
// a PostgreSQL URL is connected to and asked `select 1`.
import fs from 'node:fs';
import { errorMessage } from '../errors.ts';
import { checkStoreFile } from '../store/sqlite/check-store-file.ts';
import { fail, pass, type DoctorCheck } from './doctor-check.ts';

export function checkSqliteStore(file: string): DoctorCheck {
  if (!fs.existsSync(file)) return pass('store', `${file} does not exist yet: the server creates it at its first start`);
  try {
    const info = checkStoreFile(file);
    return pass('store', `${file}: ${info.projects} projects, ${info.runs} runs, schema ${info.migrations.at(-1) ?? 'none'}`);
  } catch (error) {
    return fail('store', errorMessage(error), `restore the store from a backup: sluice restore BACKUP --data DIR --force`);
  }
}

export async function checkPostgresStore(connectionString: string): Promise<DoctorCheck> {
  const { default: pg } = await import('pg');
  const { connectionWithoutPassword } = await import('../store/postgres/open-postgres-store.ts');
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  const where = connectionWithoutPassword(connectionString);
  try {
    await client.connect();
    await client.query('select 1');
    return pass('store', `PostgreSQL at ${where} answers`);
  } catch (error) {
    return fail('store', `PostgreSQL at ${where}: ${errorMessage(error)}`, `check that PostgreSQL runs and that --database / SLUICE_DATABASE (host, port, user, password, database) is right`);
  } finally {
    await client.end().catch(() => {});
  }
}
