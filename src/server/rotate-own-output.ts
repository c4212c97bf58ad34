// Size rotation of the file a process's own stdout and stderr go to: `<data>/logs/dataplane.log`
// (the server opens it for the data plane it starts) or a server's `>> server.log`. The process
// cannot reopen its stdout, so the file is copied to FILE.1 (older ones shifted) and truncated
// in place; with O_APPEND the next line lands at offset 0. Both steps are synchronous in the one
// thread that writes the lines (text logs and pino's sync destination), so none of ours is
// lost; a line another process writes to the same file meanwhile (a shim's crash on its
// inherited stderr) can be. Not a regular file (a terminal, journald's socket): nothing to do.
import { copyFileSync, fstatSync, ftruncateSync, readFileSync, readlinkSync } from 'node:fs';
import { rotatedLogFile, shiftRotatedFiles } from '../runtime/process/log-files.ts';

export interface OutputRotation {
  /** The file is rotated once it holds this many bytes. */
  maxBytes: number;
  /** Rotated files kept (FILE.1 … FILE.keep). */
  keep: number;
}

export const defaultOutputRotation: OutputRotation = { maxBytes: 10 * 1024 * 1024, keep: 3 };

const oAppend = 0o2000;

/** The regular file behind a descriptor and whether it appends; null for anything else. */
export function outputFileOf(fd: number): { file: string; append: boolean } | null {
  try {
    if (!fstatSync(fd).isFile()) return null;
    const file = readlinkSync(`/proc/self/fd/${fd}`);
    if (file.endsWith(' (deleted)')) return null;
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return { file, append: flags !== undefined && (Number.parseInt(flags, 8) & oAppend) !== 0 };
  } catch {
    return null; // no /proc (not Linux) or a closed descriptor
  }
}

/** Rotates `file`, open on `fd` for appending, when it holds `maxBytes` or more; true when it did. */
export function rotateIfLarge(fd: number, file: string, rotation: OutputRotation): boolean {
  if (fstatSync(fd).size < rotation.maxBytes) return false;
  if (rotation.keep > 0) {
    shiftRotatedFiles(file, rotation.keep);
    copyFileSync(file, rotatedLogFile(file, 1));
  }
  ftruncateSync(fd, 0);
  return true;
}

/**
 * Checks stdout and stderr every `everyMs` and rotates the files they append to. A file opened
 * without O_APPEND (`> file`) is left alone with one warning: after a truncation its writer
 * would go on at the old offset and leave a hole of that size.
 */
export function startOutputRotation(rotation: OutputRotation, warn: (line: string) => void, everyMs = 10_000): () => void {
  const warned = new Set<string>();
  const check = (): void => {
    const seen = new Set<string>();
    for (const fd of [1, 2]) {
      const out = outputFileOf(fd);
      if (!out || seen.has(out.file)) continue;
      seen.add(out.file);
      if (!out.append) {
        if (!warned.has(out.file)) warn(`${out.file} is not opened for appending (use >>): it is not rotated`);
        warned.add(out.file);
        continue;
      }
      try {
        rotateIfLarge(fd, out.file, rotation);
      } catch (error) {
        if (!warned.has(out.file)) warn(`cannot rotate ${out.file}: ${(error as Error).message}`);
        warned.add(out.file);
      }
    }
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
