// A Transform that cuts a byte stream into lines and redacts each whole line, so a secret split
// across two writes (or two chunks of a pipe) is seen whole. '\n', '\r\n' and a lone '\r'
// (progress bars) end a line and pass through unchanged; a trailing partial line is flushed at
// the end. A line longer than maxLineLength is emitted in redacted pieces, keeping a raw tail
// long enough to hold any secret that may be completed by the next chunk.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** What the stream needs of a Redactor. */
export interface LineRedactor {
  redactLine(line: string): string;
  redactHead(text: string): { head: string; rest: string };
}

const LINE_END = /\r\n|\r|\n/g;

export class LineRedactingStream extends Transform {
  readonly #redactor: LineRedactor;
  readonly #maxLineLength: number;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';

  constructor(redactor: LineRedactor, opts: { maxLineLength?: number } = {}) {
    super({ decodeStrings: true, encoding: 'utf8' });
    this.#redactor = redactor;
    this.#maxLineLength = opts.maxLineLength ?? 1024 * 1024;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#take(this.#decoder.write(chunk));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#take(this.#decoder.end());
      // What is left holds no line end but, perhaps, a final '\r' held back in case '\n' followed.
      const pending = this.#pending;
      if (pending.endsWith('\r')) this.push(this.#redactor.redactLine(pending.slice(0, -1)) + '\r');
      else if (pending !== '') this.push(this.#redactor.redactLine(pending));
      this.#pending = '';
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #take(text: string): void {
    let buffer = this.#pending + text;
    // Hold back a final '\r': it may be the first half of '\r\n'.
    const holdCr = buffer.endsWith('\r') ? 1 : 0;
    let out = '';
    let at = 0;
    LINE_END.lastIndex = 0;
    for (let m = LINE_END.exec(buffer); m !== null; m = LINE_END.exec(buffer)) {
      if (holdCr === 1 && m.index === buffer.length - 1) break;
      out += this.#redactor.redactLine(buffer.slice(at, m.index)) + m[0];
      at = m.index + m[0].length;
    }
    buffer = buffer.slice(at);
    if (buffer.length - holdCr > this.#maxLineLength) {
      const { head, rest } = this.#redactor.redactHead(buffer);
      out += head;
      buffer = rest;
    }
    this.#pending = buffer;
    if (out !== '') this.push(out);
  }
}
