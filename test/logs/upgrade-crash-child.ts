// A process that upgrades an old-layout logs.db as the store's migrate does, and SIGKILLs itself
// in the middle: `block N` after the N-th block is written, inside its move transaction (nothing
// of that transaction committed), or `transaction N` just after the N-th transaction committed.
// Used by sqlite-log-upgrade.test.ts.
import type Sqlite from 'better-sqlite3';
import { migrateLogDatabase, openLogDatabase } from '../../src/logs/sqlite/sqlite-log-schema.ts';
import { upgradeOldLayout } from '../../src/logs/sqlite/sqlite-log-upgrade.ts';

const file = process.argv[2]!;
const where = process.argv[3];
const killAfter = Number(process.argv[4]);
const kill = (n: number): void => {
  if (n === killAfter) process.kill(process.pid, 'SIGKILL');
};
const db = openLogDatabase(file);
migrateLogDatabase(db);
const statements = new Map<string, Sqlite.Statement>();
const prepare = (sql: string): Sqlite.Statement => {
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  return stmt;
};
upgradeOldLayout(db, prepare, where === 'block' ? { afterBlock: kill } : { afterTransaction: kill });
// Reached only when the upgrade ended before the kill: the test fails on the exit code.
process.exit(3);
