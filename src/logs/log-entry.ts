// What a raw output line becomes before it is stored: safe text (valid UTF-8, control bytes
// visible, terminal colour codes gone), at most maxLineBytes (cut at a character boundary and
// marked), and a level when the line is JSON that carries one. Pure: the shim's and the runner's
// splitters, LogSink and the ingester all call it, so a line looks the same wherever it came from.
import type { LogLevel } from './log-store.ts';

/** Bytes of UTF-8 a stored line holds at most, its marker included (as the splitters' cap, src/runtime/process/log-writer.ts). */
export const maxLineBytes = 16 * 1024;

/** Ends a line that was cut: visible in every view and findable with `--grep truncated`. */
export const truncationMarker = ' … [truncated]';

// CSI sequences (colours, cursor moves: ESC [ params final) carry no text and would glue
// themselves to the next word ("\x1b[31mERROR" would not match the token ERROR).
// eslint-disable-next-line no-control-regex
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
// C0 controls but tab, and DEL: NUL and the like are kept visible as \xNN, never passed raw to
// a terminal or a database. (A line holding the four characters `\x00` reads the same: accepted.)
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * Text safe to store and print. Bytes are decoded as UTF-8 with every invalid sequence as
 * U+FFFD (a string already is; lone surrogates become U+FFFD too).
 */
export function safeText(raw: string | Buffer): string {
  const text = typeof raw === 'string' ? raw.replace(LONE_SURROGATE, '\uFFFD') : raw.toString('utf8');
  return text.replace(CSI, '').replace(CONTROL, hex);
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A line as stored: safe, within maxLineBytes. `truncated` says an earlier splitter already cut
 * it (its trailing U+FFFD, half of a character the cut split, is dropped); either way a cut line
 * ends with the marker.
 */
export function entryText(raw: string | Buffer, truncated = false, max = maxLineBytes): string {
  let text = safeText(raw);
  if (truncated) text = text.replace(/\uFFFD+$/, '');
  const over = Buffer.byteLength(text) > max;
  if (!over && !truncated) return text;
  if (text.endsWith(truncationMarker) && !over) return text;
  return `${cutUtf8(text, max - Buffer.byteLength(truncationMarker))}${truncationMarker}`;
}

const levelNames: Record<string, LogLevel> = {
  trace: 'trace',
  verbose: 'debug',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  dpanic: 'error',
  fatal: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
};

/**
 * A level from a JSON line's `level`, `severity` or `lvl`: names in any case (syslog's too), pino
 * and bunyan numbers (10 trace … 60 fatal; in between rounds up), syslog severities 0–7.
 */
export function levelOf(value: unknown): LogLevel | null {
  if (typeof value === 'string') {
    const name = value.trim().toLowerCase();
    if (/^\d{1,3}$/.test(name)) return levelOf(Number(name));
    return levelNames[name] ?? null;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return null;
  if (value <= 7) return (['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'] as const)[value]!;
  if (value < 10) return null;
  if (value <= 10) return 'trace';
  if (value <= 20) return 'debug';
  if (value <= 30) return 'info';
  if (value <= 40) return 'warn';
  if (value <= 50) return 'error';
  return 'fatal';
}

export interface StructuredLine {
  level: LogLevel | null;
  /** `msg` or `message` of a JSON line; null when the line is not JSON or has neither. */
  message: string | null;
}

const levelKeys = ['level', 'severity', 'lvl'] as const;
// A cut JSON line no longer parses: its level is looked for near the start instead.
const levelField = /"(?:level|severity|lvl)"\s*:\s*("(?:[^"\\]|\\.){0,20}"|\d{1,3})/;

/** The level and message of a line that is a JSON object; nulls for any other line. */
export function parseStructured(text: string): StructuredLine {
  const none = { level: null, message: null };
  if (!text.startsWith('{')) return none;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const found = levelField.exec(text.slice(0, 1024));
    if (!found) return none;
    return { level: levelOf(found[1]!.startsWith('"') ? found[1]!.slice(1, -1) : Number(found[1])), message: null };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return none;
  const o = json as Record<string, unknown>;
  let level: LogLevel | null = null;
  for (const key of levelKeys) {
    level = levelOf(o[key]);
    if (level) break;
  }
  const msg = typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : null;
  return { level, message: msg };
}
