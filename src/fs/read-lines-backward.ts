// Reads a file's lines from its end toward its start in fixed-size chunks, so the newest lines
// of a log of any size cost one chunk, never the whole file (docs/decisions/0007-bounded-disk.md
// says why this is not an npm package).
import { open } from 'node:fs/promises';

export interface BackwardLine {
  text: string;
  /** Byte offset just past this line's newline: where reading forward after it would begin. */
  end: number;
}

export interface ReadBackwardOptions {
  /** Start from this byte offset instead of the file's current size. */
  end?: number;
  /** Bytes read per step; default 64 KiB. */
  chunkBytes?: number;
  /** A line longer than this is skipped, so a file without newlines cannot grow memory; default 1 MiB. */
  maxLineBytes?: number;
}

/**
 * Yields complete lines, newest first, without their newline (a trailing \r is kept). A last line
 * without its newline is still being written and is not yielded. A missing file yields nothing.
 */
export async function* readLinesBackward(file: string, opts: ReadBackwardOptions = {}): AsyncGenerator<BackwardLine> {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  const maxLineBytes = opts.maxLineBytes ?? 1024 * 1024;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let pos = Math.min(opts.end ?? Infinity, (await handle.stat()).size);
    // Bytes of the line being assembled (its later parts first found), and where it ends.
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let lineEnd: number | null = null; // null until the first newline: what follows it is partial
    let skipping = false;
    while (pos > 0) {
      const size = Math.min(chunkBytes, pos);
      pos -= size;
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(buf, 0, size, pos);
      let stop = bytesRead;
      for (;;) {
        const newline = stop > 0 ? buf.lastIndexOf(0x0a, stop - 1) : -1;
        if (newline === -1) break;
        if (lineEnd !== null && !skipping) {
          const text = Buffer.concat([buf.subarray(newline + 1, stop), ...carry]).toString('utf8');
          yield { text, end: lineEnd };
        }
        carry = [];
        carryBytes = 0;
        skipping = false;
        lineEnd = pos + newline + 1;
        stop = newline;
      }
      if (lineEnd === null || skipping) continue;
      carry.unshift(buf.subarray(0, stop));
      carryBytes += stop;
      if (carryBytes > maxLineBytes) {
        carry = [];
        carryBytes = 0;
        skipping = true;
      }
    }
    if (lineEnd !== null && !skipping) yield { text: Buffer.concat(carry).toString('utf8'), end: lineEnd };
  } finally {
    await handle.close();
  }
}
