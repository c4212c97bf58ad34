// The diagnostics of the server and the data plane: plain lines (the default, for a terminal)
// or one JSON object per line through pino (`--log-format json`, for journald and collectors).
// pino is imported only when JSON is chosen, so a text process never loads it.
import { errorMessage } from '../errors.ts';
import type { Logger } from '../engine/logger.ts';

export const logFormats = ['text', 'json'] as const;
export type LogFormat = (typeof logFormats)[number];

export function parseLogFormat(value: string): LogFormat {
  const format = logFormats.find((f) => f === value);
  if (!format) throw new Error(`--log-format must be one of ${logFormats.join(', ')}, got ${JSON.stringify(value)}`);
  return format;
}

export function textLogger(): Logger {
  const at = (): string => new Date().toISOString();
  return {
    info: (m) => console.log(`${at()} ${m}`),
    warn: (m) => console.warn(`${at()} warn: ${m}`),
    error: (m, e) => console.error(`${at()} error: ${m}${e === undefined ? '' : `: ${errorMessage(e)}`}`),
  };
}

/** `name` names the emitter (`server`, `dataplane`) in every line. */
export async function createLogger(format: LogFormat, name: string): Promise<Logger> {
  if (format === 'text') return textLogger();
  const { pino } = await import('pino');
  // Synchronous writes: a line logged just before a crash or exit is not lost in a buffer.
  const log = pino({ base: { name, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
  return {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m, e) => (e === undefined ? log.error(m) : log.error({ err: e instanceof Error ? e : new Error(errorMessage(e)) }, m)),
  };
}
