import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';

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

/** The append-only JSON-lines log of one instance, shared by its successive processes. */
export class InstanceLog {
  readonly #out: WriteStream;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** The first write error, if any: logging failures never take the instance down. */
  error: Error | null = null;

  /** Throws when the log's directory cannot be created. */
  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#out = createWriteStream(file, { flags: 'a' });
    this.#out.on('error', (error) => {
      this.error ??= error;
    });
  }

  write(stream: LogStream, line: string, truncated = false): void {
    if (this.#closed || this.error) return;
    const record = truncated ? { ts: new Date().toISOString(), stream, line, truncated } : { ts: new Date().toISOString(), stream, line };
    this.#out.write(`${JSON.stringify(record)}\n`);
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = new Promise((resolve) => {
      if (this.#out.destroyed) return resolve();
      this.#out.once('close', () => resolve());
      this.#out.end();
    });
    return this.#closing;
  }
}
