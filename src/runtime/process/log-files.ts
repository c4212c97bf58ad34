// Names of an instance's log files: ID.log is written, ID.log.1 is the newest rotated file,
// ID.log.2 the one before it, and so on. Writer, sweep and readers share these names.
import { renameSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function rotatedLogFile(file: string, n: number): string {
  return `${file}.${n}`;
}

/**
 * Makes room for a new `file.1`: `file.(keep-1)` → `file.keep` … `file.1` → `file.2` (the
 * oldest is replaced). Missing files are skipped. Synchronous: a writer rotates between two lines.
 */
export function shiftRotatedFiles(file: string, keep: number): void {
  for (let n = keep; n >= 2; n--) {
    try {
      renameSync(rotatedLogFile(file, n - 1), rotatedLogFile(file, n));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** The numbers of `file`'s rotated files found in `names` (a listing of its directory), ascending. */
export function rotationNumbers(file: string, names: string[]): number[] {
  const prefix = `${basename(file)}.`;
  const found: number[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (/^[1-9][0-9]{0,5}$/.test(rest)) found.push(Number(rest));
  }
  return found.sort((a, b) => a - b);
}

/** `file` and its rotated files, newest first (whether `file` itself exists or not). */
export async function logFilesOf(file: string): Promise<string[]> {
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  return [file, ...rotationNumbers(file, names).map((n) => join(dirname(file), `${basename(file)}.${n}`))];
}
