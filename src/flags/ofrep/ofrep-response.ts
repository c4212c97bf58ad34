// Evaluations as OFREP 0.3 puts them on the wire (protocol's service/openapi.yaml):
// evaluationSuccess {key, reason, variant?, value?, metadata?} — no `value` is the spec's
// codeDefaultFlag (disabled, or no default variant) — and evaluationFailure / flagNotFound
// {key, errorCode, errorDetails?, metadata?}.
import type { Evaluation } from '../flag-evaluator.ts';

export type OfrepEvaluation = Record<string, unknown>;

export function ofrepEvaluation(e: Evaluation): OfrepEvaluation {
  if (e.reason === 'ERROR') return { key: e.key, errorCode: e.errorCode, errorDetails: e.errorDetails, metadata: e.metadata };
  if (e.variant === undefined) return { key: e.key, reason: e.reason, metadata: e.metadata };
  return { key: e.key, reason: e.reason, variant: e.variant, value: e.value, metadata: e.metadata };
}

/** The HTTP status of a single evaluation: 404 for FLAG_NOT_FOUND, 400 for the other failures. */
export function ofrepStatus(e: Evaluation): number {
  if (e.reason !== 'ERROR') return 200;
  return e.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
}
