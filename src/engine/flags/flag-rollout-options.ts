// What `sluice flag rollout … --steps 5,25,100 --pause 1m --analysis maxErrorRate=1%,maxP99=500ms`
// asks for, checked and compiled: steps increasing within 1..100, a pause, and the pipeline
// file's analysis keys (the same schema and defaults as a canary's `analysis:`).
import { InvalidInputError } from '../../errors.ts';
import { compileAnalysis } from '../../spec/compile-spec.ts';
import { parseDuration } from '../../spec/duration.ts';
import { analysisSchemaOf } from '../../spec/strategy-schema.ts';
import type { FlagRolloutAnalysis } from '../../flags/flag-rollout-records.ts';

/** The request as the API takes it: text as typed (steps also as numbers). */
export interface FlagRolloutRequest {
  variant: string;
  steps: string | number[];
  pause?: string;
  analysis?: string;
}

export interface FlagRolloutOptions {
  variant: string;
  steps: number[];
  pauseMs: number;
  analysis: FlagRolloutAnalysis | null;
}

const DEFAULT_PAUSE_MS = 60_000;
const NUMERIC_KEYS = new Set(['minSamples', 'alpha']);

export function parseSteps(raw: string | number[]): number[] {
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  const parts = Array.isArray(raw) ? raw : raw.split(',').map((p) => p.trim());
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) throw new InvalidInputError('--steps: expected percentages such as 5,25,50,100');
  const steps = parts.map((p) => (typeof p === 'number' ? p : p !== '' && /^\d+(?:\.\d+)?$/.test(p) ? Number(p) : Number.NaN));
  steps.forEach((s, i) => {
    if (!Number.isFinite(s) || s < 1 || s > 100) throw new InvalidInputError(`--steps ${text}: ${JSON.stringify(parts[i])} is not a percentage from 1 to 100`, { steps: text });
    if (i > 0 && s <= steps[i - 1]!) throw new InvalidInputError(`--steps ${text}: steps must increase (${steps[i - 1]} then ${s})`, { steps: text });
  });
  return steps;
}

export function parsePause(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAUSE_MS;
  try {
    return parseDuration(raw);
  } catch {
    throw new InvalidInputError(`--pause ${raw}: expected a duration such as 30s or 1m`, { pause: raw });
  }
}

/** `maxErrorRate=1%,maxP99=500ms[,interval=5s,minSamples=50,alpha=0.01]`. */
export function parseAnalysis(raw: string | undefined): FlagRolloutAnalysis | null {
  if (raw === undefined) return null;
  const fields: Record<string, string | number> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 1 || value === '') throw new InvalidInputError(`--analysis ${raw}: ${JSON.stringify(part)} is not KEY=VALUE (keys: maxErrorRate, maxP99, minSamples, interval, alpha)`, { analysis: raw });
    if (Object.hasOwn(fields, key)) throw new InvalidInputError(`--analysis ${raw}: ${key} given twice`, { analysis: raw });
    fields[key] = NUMERIC_KEYS.has(key) && /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : value;
  }
  // Built for the call, not held by every server (docs/decisions/0058-idle-server-builds-schemas-on-use.md).
  const parsed = analysisSchemaOf().safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InvalidInputError(`--analysis ${raw}: ${where}${issue.message}`, { analysis: raw });
  }
  return compileAnalysis(parsed.data);
}

export function parseRolloutRequest(body: FlagRolloutRequest): FlagRolloutOptions {
  return { variant: body.variant, steps: parseSteps(body.steps), pauseMs: parsePause(body.pause), analysis: parseAnalysis(body.analysis) };
}
