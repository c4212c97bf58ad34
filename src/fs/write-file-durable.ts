// Durable replacement of a small state file: write a temp file beside it, fsync it, rename it over
// the target, fsync the directory. After a crash or power loss the target holds either the old
// or the new content, never a torn mix, and a completed write is not lost with the rename.
// write-file-atomic (npm) does all but the last step: it never fsyncs the directory, so the
// rename itself may not survive a power loss (docs/decisions/0007-bounded-disk.md).
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface DurableWriteOptions {
  /** File mode of the new file (whatever the umask); default 0o644. */
  mode?: number;
}

/** Replaces `file` with `data` durably (see above). The temp file never remains after a return or throw. */
export function writeFileDurable(file: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = writeTempFile(file, data, opts);
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
  syncDirectory(dirname(file));
}

/**
 * Writes and fsyncs `.NAME.PID.RANDOM.tmp` beside `file` (same file system, so a rename or link
 * into place is atomic) and returns its path; on failure nothing is left behind.
 */
export function writeTempFile(file: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): string {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = opts.mode ?? 0o644;
  const fd = openSync(temp, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Makes new, renamed or removed directory entries durable. Not possible everywhere (Windows): best effort. */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/** syncDirectory without blocking the event loop (for the engine's own files, e.g. artifacts). */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
