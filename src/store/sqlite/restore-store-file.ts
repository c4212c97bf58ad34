// `sluice restore`: puts a backup in place as <data>/sluice.db (and the log store it carries as
// <data>/logs.db), offline. The checks come first
// (a valid Sluice store, a schema this version knows, no server holding the current store).
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { ConflictError, InvalidInputError } from '../../errors.ts';
import { migrationProvider } from '../sql/migrations.ts';
import { checkStoreFile, type StoreFileInfo } from './check-store-file.ts';
import { commitFile } from './commit-file.ts';
import { dropParts, extractPart } from './backup-parts.ts';
import { logStoreFileOf, logStorePart } from '../../logs/log-store-file.ts';

export function storeFileOf(dataDir: string): string {
  return path.join(dataDir, 'sluice.db');
}

/** Throws when another process has the SQLite file open (a server): it could not leave WAL mode. */
export function assertStoreNotInUse(file: string): void {
  const db = new Sqlite(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new ConflictError(`${file} is in use by a running Sluice server: stop it first`, { file });
    throw error;
  } finally {
    db.close();
  }
}

export async function restoreStoreFile(backup: string, dataDir: string, opts: { force: boolean }): Promise<StoreFileInfo> {
  const info = checkStoreFile(backup);
  const known = new Set(Object.keys(await migrationProvider({ serialType: 'integer', advisoryLocks: false }).getMigrations()));
  const newer = info.migrations.filter((m) => !known.has(m));
  if (newer.length) throw new ConflictError(`${backup} was written by a newer Sluice (migration ${newer.join(', ')}): restore it with that version`, { migrations: newer });
  const target = storeFileOf(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(target)) {
    if (!opts.force) throw new ConflictError(`${dataDir} already holds a store (${target}): restore into a new directory, or add --force to replace it`, { file: target });
    assertStoreNotInUse(target);
  }
  const temp = path.join(dataDir, `.sluice.db.restore-${process.pid}`);
  const logsTarget = logStoreFileOf(dataDir);
  const logsTemp = path.join(dataDir, `.logs.db.restore-${process.pid}`);
  try {
    fs.copyFileSync(backup, temp);
    const withLogs = extractPart(backup, logStorePart, logsTemp);
    if (withLogs) checkSqliteFile(logsTemp, `the log store in ${backup}`);
    dropParts(temp);
    // A WAL left by a replaced store would be replayed onto the restored one: gone first.
    for (const file of [target, logsTarget]) for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
    // A backup made before it carried the log store: the replaced store's lines are not this
    // store's (its runs moved to the new log store at start, from the backup's run-log table).
    if (withLogs) commitFile(logsTemp, logsTarget);
    else fs.rmSync(logsTarget, { force: true });
    commitFile(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
    fs.rmSync(logsTemp, { force: true });
  }
  return info;
}

function checkSqliteFile(file: string, what: string): void {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new InvalidInputError(`${what} is damaged: SQLite's quick_check says: ${String(check)}`);
  } finally {
    db.close();
  }
}
