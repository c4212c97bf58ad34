// Evaluation as flagd does it, over one environment's flags. Pure: the data plane's OFREP
// server and the router's variant attribution call the same code, so a user's variant is the
// same in the app and in the router's figures.
import type { FlagValue } from './flag-definition.ts';

/** OFREP's evaluation context: `targetingKey` plus any attributes. */
export type EvaluationContext = { targetingKey?: string } & Record<string, unknown>;

export type EvaluationReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR';

export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export type Evaluation =
  | { key: string; value: FlagValue; variant: string; reason: Exclude<EvaluationReason, 'ERROR' | 'DISABLED'>; metadata: Record<string, string | number | boolean> }
  /** No variant chosen (disabled, or no default variant): the caller's code default applies. */
  | { key: string; reason: 'DISABLED' | 'DEFAULT'; variant?: undefined; metadata: Record<string, string | number | boolean> }
  | { key: string; reason: 'ERROR'; errorCode: EvaluationErrorCode; errorDetails: string; metadata: Record<string, string | number | boolean> };
