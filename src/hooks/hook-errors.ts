// Errors of webhook verification: a bad signature is `unauthenticated` (401, triggers
// nothing), a bad payload `invalid_input` (400).
import { ErrorCode, SluiceError } from '../errors.ts';
import type { GitHost } from './hook-types.ts';

export type HookErrorKind = 'signature' | 'payload';

export abstract class HookError extends SluiceError {
  abstract readonly kind: HookErrorKind;
  readonly host: GitHost;
  readonly reason: string;

  constructor(host: GitHost, reason: string, summary: string, code: ErrorCode) {
    super(code, `${host} webhook ${summary}: ${reason}`, { details: { host, reason } });
    this.host = host;
    this.reason = reason;
  }
}

/** Missing, malformed or wrong signature, stale timestamp, no secret configured: answer 401. */
export class HookSignatureError extends HookError {
  readonly kind = 'signature' as const;
  constructor(host: GitHost, reason: string) {
    super(host, reason, 'refused', ErrorCode.unauthenticated);
  }
}

/** Correctly signed but unusable: bad JSON, missing fields, missing event header: answer 400. */
export class HookPayloadError extends HookError {
  readonly kind = 'payload' as const;
  constructor(host: GitHost, reason: string) {
    super(host, reason, 'payload is invalid', ErrorCode.invalidInput);
  }
}
