// Durations in the pipeline file: `500ms`, `30s`, `10m`, `2h`, `1d`, combined (`1m30s`),
// or a plain number of seconds. Compiled to integer milliseconds.
import { InvalidInputError } from '../errors.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** The accepted text forms; also published in the JSON Schema. */
export const DURATION_PATTERN = /^(?:(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+|\d+(?:\.\d+)?)$/;

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds of a duration written as text or as a number of seconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw bad(text);
    return Math.round(text * 1000);
  }
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) throw bad(text);
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let ms = 0;
  for (const match of trimmed.matchAll(PART)) {
    ms += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return Math.round(ms);
}

/** The shortest text form of a number of milliseconds: 90000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidInputError(`cannot format ${ms} as a duration`, { ms });
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

function bad(text: string | number): InvalidInputError {
  return new InvalidInputError(
    `invalid duration ${JSON.stringify(text)}: expected e.g. 500ms, 30s, 10m, 2h, 1d, 1m30s or a number of seconds`,
    { text },
  );
}
