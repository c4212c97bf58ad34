// The knobs of a canary analysis and the shape of its verdicts.
import { InvalidInputError } from '../errors.ts';

export interface MinEffect {
  /** The canary's median or p90 must be at least this multiple of the baseline's (e.g. 1.1) ... */
  latencyRatio: number;
  /** ... and at least this many ms above it (e.g. 5), for a latency difference to count. */
  latencyMs: number;
}

export interface AnalysisConfig {
  /** Fail when the canary's error fraction exceeds this (0..1); null: no threshold. */
  maxErrorRate: number | null;
  /** Fail when the canary's p99 latency (ms) exceeds this; null: no threshold. */
  maxP99Ms: number | null;
  /** Requests needed on EACH side before anything is compared (thresholds: on the canary). */
  minSamples: number;
  /** False-fail budget of EACH comparative test over all looks of a step. Default 0.05. */
  alpha?: number;
  /** Default { latencyRatio: 1.1, latencyMs: 5 }. */
  minEffect?: MinEffect;
}

export const defaultAlpha = 0.05;
export const defaultMinEffect: Readonly<MinEffect> = { latencyRatio: 1.1, latencyMs: 5 };

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type DecisionMetric = 'errorRate' | 'latency' | 'maxErrorRate' | 'maxP99';

export interface Decision {
  metric: DecisionMetric;
  verdict: Verdict;
  /** Requests (error metrics) or timed requests (latency metrics) on each side. */
  samples: { canary: number; baseline: number };
  /** z (errorRate), z of U (latency), canary error fraction (maxErrorRate), canary p99 ms (maxP99). */
  statistic: number | null;
  pValue: number | null;
  /** α spent on this look (comparative tests) or the configured limit (thresholds). */
  threshold: number | null;
  reason: string;
  /** The figures behind the verdict (rates, quantiles in ms, U, look...), JSON-safe. */
  details: Record<string, number | null>;
}

export interface Judgement {
  verdict: Verdict;
  decisions: Decision[];
}

export interface ResolvedConfig {
  maxErrorRate: number | null;
  maxP99Ms: number | null;
  minSamples: number;
  alpha: number;
  minEffect: MinEffect;
}

export function resolveConfig(cfg: AnalysisConfig): ResolvedConfig {
  const alpha = cfg.alpha ?? defaultAlpha;
  const minEffect = cfg.minEffect ?? defaultMinEffect;
  const bad = (what: string, value: unknown): never => {
    throw new InvalidInputError(`analysis: invalid ${what}: ${JSON.stringify(value)}`, { [what]: value });
  };
  if (!(alpha > 0 && alpha < 1)) bad('alpha', alpha);
  if (!Number.isInteger(cfg.minSamples) || cfg.minSamples < 1) bad('minSamples', cfg.minSamples);
  if (cfg.maxErrorRate !== null && !(cfg.maxErrorRate >= 0 && cfg.maxErrorRate <= 1)) bad('maxErrorRate', cfg.maxErrorRate);
  if (cfg.maxP99Ms !== null && !(cfg.maxP99Ms >= 0 && Number.isFinite(cfg.maxP99Ms))) bad('maxP99Ms', cfg.maxP99Ms);
  if (!(minEffect.latencyRatio >= 1 && Number.isFinite(minEffect.latencyRatio))) bad('minEffect.latencyRatio', minEffect.latencyRatio);
  if (!(minEffect.latencyMs >= 0 && Number.isFinite(minEffect.latencyMs))) bad('minEffect.latencyMs', minEffect.latencyMs);
  return { maxErrorRate: cfg.maxErrorRate, maxP99Ms: cfg.maxP99Ms, minSamples: cfg.minSamples, alpha, minEffect: { ...minEffect } };
}

/** fail if any fails; else inconclusive if any is; else pass (an empty list is inconclusive). */
export function combine(decisions: readonly Decision[]): Verdict {
  if (decisions.some((d) => d.verdict === 'fail')) return 'fail';
  if (decisions.length === 0 || decisions.some((d) => d.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}
