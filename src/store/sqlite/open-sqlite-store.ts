// The embedded store: one SQLite file in WAL mode, shared safely by several processes
// (busy_timeout makes a second writer wait instead of failing).
import Sqlite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../sql/database.ts';
import { SqlStore } from '../sql/sql-store.ts';
import type { StoreBackup } from '../store-backup.ts';

export class SqliteStore extends SqlStore implements StoreBackup {
  readonly #sqlite: Sqlite.Database;

  constructor(sqlite: Sqlite.Database) {
    super(new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] }), { serialType: 'integer', advisoryLocks: false });
    this.#sqlite = sqlite;
  }

  /**
   * SQLite's online backup API: pages are copied a few at a time between the server's own
   * queries, and a write made meanwhile through this connection is carried into the copy, so the
   * file is one consistent state without stopping the server.
   */
  async backup(file: string): Promise<void> {
    await this.#sqlite.backup(file);
    // One self-contained file: the copy keeps no WAL mode (and so needs no -wal/-shm beside it).
    const copy = new Sqlite(file);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
  }
}

export function openSqliteStore(file: string): SqliteStore {
  const sqlite = new Sqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteStore(sqlite);
}
