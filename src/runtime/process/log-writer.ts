import { createWriteStream, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { rotatedLogFile, shiftRotatedFiles } from './log-files.ts';

export const maxLogLineBytes = 16 * 1024;

export type LogStream = 'stdout' | 'stderr';

/**
 * Splits a byte stream on \n. A line longer than maxLogLineBytes is emitted at the cap (marked
 * truncated) and the rest of it dropped, so one endless line cannot grow memory or the file.
 */
export class LineSplitter {
  readonly #onLine: (line: string, truncated: boolean) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #dropping = false;

  constructor(onLine: (line: string, truncated: boolean) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.#append(chunk.subarray(start));
        return;
      }
      this.#append(chunk.subarray(start, newline));
      if (this.#dropping) this.#dropping = false;
      else this.#emit(false);
      start = newline + 1;
    }
  }

  /** Emits a partial last line, if any (the stream ended without a newline). */
  flush(): void {
    if (this.#pendingBytes > 0) this.#emit(false);
    this.#dropping = false;
  }

  #append(part: Buffer): void {
    if (this.#dropping || part.length === 0) return;
    const room = maxLogLineBytes - this.#pendingBytes;
    if (part.length <= room) {
      this.#pending.push(part);
      this.#pendingBytes += part.length;
      return;
    }
    this.#pending.push(part.subarray(0, room));
    this.#pendingBytes += room;
    this.#emit(true);
    this.#dropping = true;
  }

  #emit(truncated: boolean): void {
    let line = Buffer.concat(this.#pending, this.#pendingBytes).toString('utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.#onLine(line, truncated);
  }
}

export interface InstanceLogLimits {
  /** Bytes of this instance's log, its rotated files included. */
  maxBytes: number;
  /** Rotated files kept beside the one written (ID.log.1 … ID.log.N); 0 truncates instead. */
  rotatedFiles: number;
  /** A rotated file whose newest line is older than this is removed; the written file rotates at this age. */
  maxAgeMs: number;
}

export interface InstanceLogOptions {
  /** Without limits the log only grows (tests, tools). */
  limits?: InstanceLogLimits;
  /** Milliseconds since the epoch; a test clock. */
  now?: () => number;
}

/** How often a quiet log checks the age of its files. */
const ageCheckEveryMs = 60_000;

/**
 * The append-only JSON-lines log of one instance, shared by its successive processes. With
 * limits, ID.log rotates to ID.log.1 (… ID.log.N) before it would pass maxBytes / (N + 1), so
 * the instance's files never hold more than maxBytes; old rotated files are removed by age.
 */
export class InstanceLog {
  readonly #file: string;
  readonly #limits: InstanceLogLimits | null;
  readonly #now: () => number;
  readonly #fileBytes: number;
  #out: WriteStream;
  #size = 0;
  /** When the file being written got its first line (approximately, for a file found on disk). */
  #startedAt: number | null = null;
  #lastAgeCheck = 0;
  /** Streams of rotated files still flushing their last writes. */
  #retiring = new Set<Promise<void>>();
  #closed = false;
  #closing: Promise<void> | null = null;
  /** The first write error, if any: logging failures never take the instance down. */
  error: Error | null = null;

  /** Throws when the log's directory cannot be created or the file opened. */
  constructor(file: string, options: InstanceLogOptions = {}) {
    this.#file = file;
    this.#limits = options.limits ?? null;
    this.#now = options.now ?? Date.now;
    this.#fileBytes = this.#limits ? Math.max(1, Math.floor(this.#limits.maxBytes / (this.#limits.rotatedFiles + 1))) : Infinity;
    mkdirSync(dirname(file), { recursive: true });
    this.#out = this.#open();
    this.#removeAged();
  }

  write(stream: LogStream, line: string, truncated = false): void {
    this.writeRecord(truncated ? { stream, line, truncated } : { stream, line });
  }

  /** Appends one JSON record `{ts, ...fields}` (the router's access spool adds fields of its own). */
  writeRecord(fields: Record<string, unknown>): void {
    if (this.#closed || this.error) return;
    const now = this.#now();
    const text = `${JSON.stringify({ ts: new Date(now).toISOString(), ...fields })}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.#limits && this.#size > 0 && (this.#size + bytes > this.#fileBytes || now - (this.#startedAt ?? now) > this.#limits.maxAgeMs)) {
      try {
        this.#rotate();
      } catch (error) {
        this.error ??= error instanceof Error ? error : new Error(String(error));
        return;
      }
    }
    if (now - this.#lastAgeCheck > ageCheckEveryMs) this.#removeAged();
    this.#startedAt ??= now;
    this.#size += bytes;
    this.#out.write(text);
  }

  /** Bytes written but not yet handed to the file (a slow or full disk makes it grow). */
  get pendingBytes(): number {
    return this.#out.writableLength;
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = Promise.all([endStream(this.#out), ...this.#retiring]).then(() => undefined);
    return this.#closing;
  }

  /** Opened synchronously, so the descriptor names this inode before any rename. */
  #open(): WriteStream {
    const fd = openSync(this.#file, 'a');
    const st = fstatSync(fd);
    this.#size = st.size;
    this.#startedAt = st.size > 0 ? st.birthtimeMs || st.mtimeMs : null;
    const out = createWriteStream('', { fd });
    out.on('error', (error) => {
      this.error ??= error;
    });
    return out;
  }

  /** ID.log.N-1 → ID.log.N … ID.log → ID.log.1 (the oldest falls off); writes still queued on the old stream land in ID.log.1. */
  #rotate(): void {
    const keep = this.#limits?.rotatedFiles ?? 0;
    if (keep === 0) {
      rmSync(this.#file, { force: true });
    } else {
      shiftRotatedFiles(this.#file, keep);
      try {
        renameSync(this.#file, rotatedLogFile(this.#file, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const retiring = endStream(this.#out).finally(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
    this.#out = this.#open();
    this.#removeAged();
  }

  #removeAged(): void {
    if (!this.#limits) return;
    const now = this.#now();
    this.#lastAgeCheck = now;
    for (let n = 1; n <= this.#limits.rotatedFiles; n++) {
      const file = rotatedLogFile(this.#file, n);
      try {
        if (now - statSync(file).mtimeMs > this.#limits.maxAgeMs) rmSync(file, { force: true });
      } catch {
        // not there
      }
    }
  }
}

function endStream(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (out.destroyed) return resolve();
    out.once('close', () => resolve());
    out.end();
  });
}
