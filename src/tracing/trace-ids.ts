// Trace and span ids that every server derives alike from a run id, and the W3C Trace Context
// `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header): a run resumed by
// another server keeps its trace, and the run span its id, without anything stored.
import { createHash } from 'node:crypto';

export interface SpanIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function hexOf(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** A run's trace id: its id without hyphens (a UUID is 16 random bytes), else a hash of it; never all zeros. */
export function traceIdOfRun(runId: string): string {
  const id = runId.toLowerCase();
  const hex = uuid.test(id) ? id.replaceAll('-', '') : hexOf(`sluice-run:${runId}`, 32);
  return /^0+$/.test(hex) ? hexOf(`sluice-run:${runId}`, 32) : hex;
}

/** The run span's id: a hash of the run id, so whichever server ends the run names the same parent. */
export function runSpanIdOf(runId: string): string {
  const hex = hexOf(`sluice-run-span:${runId}`, 16);
  return /^0+$/.test(hex) ? '0000000000000001' : hex;
}

export function formatTraceparent(ids: SpanIds): string {
  return `00-${ids.traceId}-${ids.spanId}-${ids.sampled ? '01' : '00'}`;
}

/** The ids of a `traceparent` header, or null when it is malformed (then it is ignored, as the specification says). */
export function parseTraceparent(header: string | null | undefined): SpanIds | null {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(header?.trim() ?? '');
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has nothing after the flags; later versions may add fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}
