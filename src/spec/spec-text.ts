// The bytes of sluice.yaml → text, or why they are not a pipeline file: too big, invalid UTF-8,
// or a NUL byte (which would end a command or variable early when it reaches a process).
import { COUNT_LIMITS } from './limits.ts';
import type { SpecIssue } from './spec-issues.ts';

export type SpecText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly errors: readonly SpecIssue[] };

/** At most this many NUL bytes are reported; one is enough to refuse the file. */
const MAX_NUL_ISSUES = 10;

/** `what` names the file in messages (sluice.yaml, or the flag file it names). */
export function specText(input: string | Uint8Array, what = 'the pipeline file'): SpecText {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > COUNT_LIMITS.fileBytes) {
    return { ok: false, errors: [{ line: 1, col: 1, message: `the file is ${bytes} bytes: at most ${COUNT_LIMITS.fileBytes} (1 MiB)`, path: [] }] };
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const bad = firstInvalidUtf8(input);
    if (bad !== -1) {
      const before = Buffer.from(input.subarray(0, bad)).toString('utf8');
      const byte = input[bad]!.toString(16).padStart(2, '0');
      return { ok: false, errors: [{ ...position(before, before.length), message: `invalid UTF-8 (byte 0x${byte}): the file must be UTF-8 text`, path: [] }] };
    }
    text = Buffer.from(input).toString('utf8');
  }
  const errors: SpecIssue[] = [];
  for (let at = text.indexOf('\0'); at !== -1 && errors.length < MAX_NUL_ISSUES; at = text.indexOf('\0', at + 1)) {
    errors.push({ ...position(text, at), message: `NUL byte (0x00): not allowed in ${what}`, path: [] });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, text };
}

/** 1-based line and column (in characters) of `offset` in `text`. */
function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return i;
    i += length;
  }
  return -1;
}
