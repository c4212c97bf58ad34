// Masks secrets in log lines before they are stored or streamed. Each value is matched in every
// spelling of secretForms() (exact, base64 at three alignments, percent-encoded, JSON-escaped);
// credentials inside URLs are masked whether or not they are known secrets. Overlapping matches
// are merged, so two overlapping secrets become one `***` and nothing of either remains.
import { MIN_SECRET_LENGTH, secretForms } from './secret-forms.ts';
import { StringMatcher } from './string-matcher.ts';

export { LineRedactingStream } from './line-redacting-stream.ts';
export { MIN_SECRET_LENGTH } from './secret-forms.ts';

export const MASK = '***';

// scheme://user:password@ or scheme://token@ — the password may contain '@' (greedy up to the
// last one before the path); quotes and whitespace end a URL so JSON fields are not spanned.
const URL_CREDENTIALS = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/?#@:"'<>`\\]*)(?::([^\s/?#"'<>`\\]*))?@/g;
/** Room kept for a URL's credentials when a line too long to hold is emitted in pieces. */
const URL_ROOM = 2048;

export class Redactor {
  readonly #values = new Set<string>();
  #matcher: StringMatcher | null = null;

  /** Values shorter than MIN_SECRET_LENGTH (4) characters are ignored: they would match everywhere. */
  constructor(values: Iterable<string> = []) {
    for (const value of values) this.#addValue(value);
  }

  add(value: string): void {
    if (this.#addValue(value)) this.#matcher = null; // rebuilt on next use, once per batch of adds
  }

  get size(): number {
    return this.#values.size;
  }

  redactLine(line: string): string {
    return applyMask(line, this.#cover(line));
  }

  /**
   * For a line too long to buffer: redacts and returns a head of `text`, keeping a raw tail that
   * may still be the start of a secret or a URL completed by later bytes. The cut never falls
   * inside a masked range.
   */
  redactHead(text: string): { head: string; rest: string } {
    const ranges = this.#cover(text);
    let cut = Math.max(0, text.length - (this.#matcherFor().maxLength + URL_ROOM));
    for (let i = 0; i < ranges.length; i += 2) {
      if (ranges[i]! < cut && cut < ranges[i + 1]!) cut = ranges[i]!;
    }
    const headRanges: number[] = [];
    for (let i = 0; i < ranges.length && ranges[i + 1]! <= cut; i += 2) headRanges.push(ranges[i]!, ranges[i + 1]!);
    return { head: applyMask(text.slice(0, cut), headRanges), rest: text.slice(cut) };
  }

  #addValue(value: string): boolean {
    if (value.length < MIN_SECRET_LENGTH || this.#values.has(value)) return false;
    this.#values.add(value);
    return true;
  }

  #matcherFor(): StringMatcher {
    this.#matcher ??= new StringMatcher([...this.#values].flatMap(secretForms));
    return this.#matcher;
  }

  /** Sorted, merged [start, end) pairs to mask. */
  #cover(text: string): number[] {
    const ranges = this.#matcherFor().cover(text);
    const url: number[] = [];
    for (const m of text.matchAll(URL_CREDENTIALS)) {
      const userStart = m.index + m[1]!.length;
      const user = m[2]!;
      const password = m[3];
      if (user.length > 0) url.push(userStart, userStart + user.length);
      if (password !== undefined && password.length > 0) {
        const passwordStart = userStart + user.length + 1;
        url.push(passwordStart, passwordStart + password.length);
      }
    }
    return url.length === 0 ? ranges : merge(ranges, url);
  }
}

function merge(a: number[], b: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (const list of [a, b]) for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [start, end] of pairs) {
    // Only overlaps merge here: `user` and `password` stay two masks around their ':'.
    if (out.length > 0 && start < out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, end);
    else out.push(start, end);
  }
  return out;
}

function applyMask(text: string, ranges: number[]): string {
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    out += text.slice(at, ranges[i]) + MASK;
    at = ranges[i + 1]!;
  }
  return out + text.slice(at);
}
