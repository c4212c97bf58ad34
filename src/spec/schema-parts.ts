// Builders shared by the pipeline file's schemas (schema.ts, strategy-schema.ts): bounded
// durations, counts, shares and their descriptions. Functions, not schemas: nothing is built at
// import (docs/decisions/0058-idle-server-builds-schemas-on-use.md).
import { z } from 'zod';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.ts';
import type { DurationBound } from './limits.ts';
import { PERCENT_PATTERN } from './percent.ts';

const DURATION_EXAMPLES = 'expected a duration such as 500ms, 30s, 10m, 2h, 1d, 1m30s or a number of seconds';

/** `from 100ms to 10m`: the bound as a person writes it, for messages and descriptions. */
export function durationRange(bound: DurationBound): string {
  return `from ${formatDuration(bound.minMs)} to ${formatDuration(bound.maxMs)}`;
}

/** A duration within `bound`; a value outside it is refused with the bound in the message. */
export function durationSchema(bound: DurationBound) {
  const range = durationRange(bound);
  const outside = (input: unknown): string => `expected a duration ${range}, got ${shorten(String(input))}`;
  return z.union(
    [
      z
        .string()
        .regex(DURATION_PATTERN, { error: `${DURATION_EXAMPLES} (${range})` })
        .refine(
          (text) => {
            if (!DURATION_PATTERN.test(text.trim())) return true; // the pattern's own error says it
            const ms = parseDuration(text);
            return ms >= bound.minMs && ms <= bound.maxMs;
          },
          { error: (issue) => outside(issue.input) },
        ),
      z
        .number()
        .min(bound.minMs / 1000, { error: (issue) => outside(issue.input) })
        .max(bound.maxMs / 1000, { error: (issue) => outside(issue.input) }),
    ],
    { error: `${DURATION_EXAMPLES} (${range})` },
  );
}

function shorten(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** A schema description that ends with the bound, so editors show it too. */
export function bounded(bound: DurationBound, text: string): string {
  return `${text} From ${formatDuration(bound.minMs)} to ${formatDuration(bound.maxMs)}.`;
}

export function countSchema(min: number, max: number) {
  const error = `expected an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A share: `1%` (up to 100 %) or a fraction from 0 to 1. */
export function percentSchemaOf() {
  return z.union(
    [
      z
        .string()
        .regex(PERCENT_PATTERN, { error: 'expected a percentage such as 1% or 0.5%' })
        .refine((text) => Number(text.replace('%', '')) <= 100, { error: 'expected a percentage from 0% to 100%' }),
      z.number().min(0).max(1, { error: 'expected a fraction from 0 to 1 (or a percentage such as 1%)' }),
    ],
    { error: 'expected a percentage such as 1% or a fraction from 0 to 1' },
  );
}
