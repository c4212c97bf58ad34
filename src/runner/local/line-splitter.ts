// Splits a byte stream into lines without ever holding more than one (capped) line in memory.

export const MAX_LINE_BYTES = 16 * 1024;
export const TRUNCATION_SUFFIX = ' … [truncated]';

export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  /** Bytes of the current line were dropped because it exceeded the cap. */
  private overflowed = false;
  truncatedLines = 0;

  private readonly emit: (line: string) => void;
  private readonly maxBytes: number;

  constructor(
    emit: (line: string) => void,
    maxBytes: number = MAX_LINE_BYTES,
  ) {
    this.emit = emit;
    this.maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.flushLine();
      start = nl + 1;
    }
  }

  /** Emits a last line that had no newline. */
  end(): void {
    if (this.length > 0 || this.overflowed) this.flushLine();
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    // Keep one byte beyond the cap so a '\r' right at the cap is not mistaken for overflow.
    const room = this.maxBytes + 1 - this.length;
    if (piece.length > room) {
      this.overflowed = true;
      if (room > 0) this.parts.push(Buffer.from(piece.subarray(0, room)));
      this.length += Math.max(room, 0);
      return;
    }
    // Copy: the chunk may be a view into a pooled buffer.
    this.parts.push(Buffer.from(piece));
    this.length += piece.length;
  }

  private flushLine(): void {
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    if (!this.overflowed && buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    let line: string;
    if (this.overflowed || buf.length > this.maxBytes) {
      let cut = this.maxBytes;
      // Do not split a UTF-8 sequence: back up to the start of the character.
      while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
      line = buf.subarray(0, cut).toString('utf8') + TRUNCATION_SUFFIX;
      this.truncatedLines++;
    } else {
      line = buf.toString('utf8');
    }
    this.parts = [];
    this.length = 0;
    this.overflowed = false;
    this.emit(line);
  }
}
