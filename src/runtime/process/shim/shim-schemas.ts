// What the data plane reads from a shim, checked with zod: its status file (written by a shim
// that may belong to an earlier version, or be cut by a crash) and the events on its stdout.
// Apart from shim-protocol.ts so the shim itself, one per instance, never loads zod.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ShimEvent, ShimStatus } from './shim-protocol.ts';

const pid = z.number().int().positive().max(2 ** 31);

const shimExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.string(),
  stderrTail: z.array(z.string()),
});

export const shimStatusSchema = z.object({
  shimPid: pid,
  pid,
  port: z.number().int().min(0).max(65535),
  startedAt: z.string(),
  exit: shimExitSchema.nullable(),
});

export const shimEventSchema = z.union([z.object({ pid }), z.object({ exit: shimExitSchema }), z.object({ error: z.string() })]);

/** The status file read back; undefined when absent, not JSON, or not of the shape above. */
export function readStatusFile(file: string): ShimStatus | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = shimStatusSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** One line of a shim's stdout; null for anything else (a line that is not one of its events). */
export function parseShimEvent(line: string): ShimEvent | null {
  try {
    const parsed = shimEventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
