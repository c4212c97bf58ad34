// The embedded store: one SQLite file in WAL mode, shared safely by several processes
// (busy_timeout makes a second writer wait instead of failing).
import Sqlite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../sql/database.ts';
import { SqlStore } from '../sql/sql-store.ts';

export function openSqliteStore(file: string): SqlStore {
  const sqlite = new Sqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
  return new SqlStore(db, { serialType: 'integer' });
}
