// Is this file a Sluice SQLite store? Read-only: used before a restore, after a backup is
// downloaded, and by `sluice doctor`. Never writes the file (no WAL, no migration).
import fs from 'node:fs';
import Sqlite from 'better-sqlite3';
import { z } from 'zod';
import { InvalidInputError, errorMessage } from '../../errors.ts';
import { partsOf } from './backup-parts.ts';

export interface StoreFileInfo {
  /** Applied migrations, in order (the store's schema version is the last one). */
  migrations: string[];
  projects: number;
  runs: number;
  /** Wrapped data keys: when > 0 the master key that wraps them is needed to read any secret. */
  dataKeys: number;
  /** Other databases the backup carries (the log store, `logs.db`), with their sizes; none in a live store. */
  parts: Array<{ name: string; bytes: number }>;
}

const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');
const requiredTables = ['kysely_migration', 'projects', 'runs', 'releases'];
const names = z.array(z.object({ name: z.string() }));
const count = z.object({ n: z.number() });

function refuse(file: string, why: string): never {
  throw new InvalidInputError(`${file} is not a Sluice store: ${why}`, { file });
}

export function checkStoreFile(file: string): StoreFileInfo {
  const head = Buffer.alloc(16);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new InvalidInputError(`cannot read ${file}: ${errorMessage(error)}`, { file });
  }
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(sqliteMagic)) refuse(file, 'it is not an SQLite database');
  let db: Sqlite.Database;
  try {
    db = new Sqlite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    refuse(file, errorMessage(error));
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') refuse(file, `SQLite's quick_check says: ${String(check)}`);
    const tables = new Set(names.parse(db.prepare("select name from sqlite_master where type = 'table'").all()).map((t) => t.name));
    const missing = requiredTables.filter((t) => !tables.has(t));
    if (missing.length) refuse(file, `it has no table ${missing.join(', ')}`);
    const countOf = (table: string): number => (tables.has(table) ? count.parse(db.prepare(`select count(*) as n from ${table}`).get()).n : 0);
    return {
      migrations: names.parse(db.prepare('select name from kysely_migration order by name').all()).map((m) => m.name),
      projects: countOf('projects'),
      runs: countOf('runs'),
      dataKeys: countOf('data_keys'),
      parts: partsOf(db),
    };
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    refuse(file, errorMessage(error));
  } finally {
    db.close();
  }
}
