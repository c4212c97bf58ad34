// A backup stays one SQLite file (the store), and carries the data directory's other databases
// (the log store, logs.db) as parts: a consistent snapshot of each, taken with VACUUM INTO in one
// read transaction (never a copy of a file and its WAL), kept as blobs in chunks in the table
// sluice_backup_parts. The store itself never has that table; a restore takes the parts out
// beside the store and drops it. A part is schema-agnostic: whatever layout the log store has,
// its snapshot opens as it was.
import fs from 'node:fs';
import Sqlite from 'better-sqlite3';
import { z } from 'zod';

export const partsTable = 'sluice_backup_parts';
/** Bytes per blob row (well under SQLite's 1 GB blob limit, small enough to stream). */
const chunkBytes = 4 * 1024 * 1024;

// Runs in a worker thread: VACUUM INTO and the copy into the backup take as long as the database
// is large (seconds for a capped log store), and the server's event loop (leases, the API) must
// not wait on them. better-sqlite3 is resolved from the calling module (src/ or dist/).
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const { createRequire } = require('node:module');
const fs = require('node:fs');
const Database = createRequire(workerData.from)('better-sqlite3');
const { source, temp, backup, name, chunk, table } = workerData;
try {
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try { src.prepare('VACUUM INTO ?').run(temp); } finally { src.close(); }
  const db = new Database(backup, { fileMustExist: true });
  try {
    db.exec('create table if not exists ' + table + ' (name text not null, seq integer not null, data blob not null, primary key (name, seq))');
    const insert = db.prepare('insert into ' + table + ' (name, seq, data) values (?, ?, ?)');
    const fd = fs.openSync(temp, 'r');
    let bytes = 0;
    try {
      const buf = Buffer.allocUnsafe(chunk);
      db.transaction(() => {
        for (let seq = 0; ; seq++) {
          const n = fs.readSync(fd, buf, 0, chunk, null);
          if (n === 0) break;
          insert.run(name, seq, buf.subarray(0, n));
          bytes += n;
        }
      })();
    } finally { fs.closeSync(fd); }
    parentPort.postMessage({ ok: true, bytes });
  } finally { db.close(); }
} catch (error) {
  parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
} finally {
  fs.rmSync(temp, { force: true });
}
`;

const resultSchema = z.union([z.object({ ok: z.literal(true), bytes: z.number() }), z.object({ ok: z.literal(false), message: z.string() })]);

/**
 * Adds a consistent snapshot of the SQLite database `source` to `backup` as part `name` (the
 * snapshot is made in `temp`, removed after). Returns the part's size in bytes.
 */
export async function embedSnapshot(backup: string, source: string, name: string, temp: string): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(workerSource, { eval: true, workerData: { from: import.meta.url, source, temp, backup, name, chunk: chunkBytes, table: partsTable } });
  const message = await new Promise<unknown>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the snapshot of ${source} ended without an answer (exit ${code})`)));
  });
  const result = resultSchema.parse(message);
  if (!result.ok) throw new Error(`snapshot of ${source}: ${result.message}`);
  return result.bytes;
}

const namesSchema = z.array(z.object({ name: z.string(), bytes: z.number() }));

/** The parts a backup file carries, with their sizes (none for a backup made before parts existed). */
export function partsOf(db: Sqlite.Database): Array<{ name: string; bytes: number }> {
  const has = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(partsTable);
  if (!has) return [];
  return namesSchema.parse(db.prepare(`select name, sum(length(data)) as bytes from ${partsTable} group by name order by name`).all());
}

const chunkSchema = z.object({ data: z.instanceof(Buffer) });

/** Writes part `name` of `backup` to `target` (a new file); false when the backup has no such part. */
export function extractPart(backup: string, name: string, target: string): boolean {
  const db = new Sqlite(backup, { readonly: true, fileMustExist: true });
  try {
    if (!partsOf(db).some((p) => p.name === name)) return false;
    const fd = fs.openSync(target, 'wx', 0o600);
    try {
      for (const row of db.prepare(`select data from ${partsTable} where name = ? order by seq`).iterate(name)) fs.writeSync(fd, chunkSchema.parse(row).data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } finally {
    db.close();
  }
}

/** Removes the parts from a restored copy of a backup, which becomes a plain store file. */
export function dropParts(file: string): void {
  const db = new Sqlite(file, { fileMustExist: true });
  try {
    if (!db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(partsTable)) return;
    db.exec(`drop table ${partsTable}`);
    db.exec('vacuum');
  } finally {
    db.close();
  }
}
