// Errors of webhook verification. Both use the invalid_input code (src/errors.ts has no
// "unauthenticated" code); `kind` tells the HTTP layer which status to answer:
// signature → 401 (trigger nothing), payload → 400.
import { ErrorCode, SluiceError } from '../errors.ts';
import type { GitHost } from './hook-types.ts';

export type HookErrorKind = 'signature' | 'payload';

export abstract class HookError extends SluiceError {
  abstract readonly kind: HookErrorKind;
  readonly host: GitHost;
  readonly reason: string;

  constructor(host: GitHost, reason: string, summary: string) {
    super(ErrorCode.invalidInput, `${host} webhook ${summary}: ${reason}`, { details: { host, reason } });
    this.host = host;
    this.reason = reason;
  }
}

/** Missing, malformed or wrong signature, stale timestamp, no secret configured: answer 401. */
export class HookSignatureError extends HookError {
  readonly kind = 'signature' as const;
  constructor(host: GitHost, reason: string) {
    super(host, reason, 'refused');
  }
}

/** Correctly signed but unusable: bad JSON, missing fields, missing event header: answer 400. */
export class HookPayloadError extends HookError {
  readonly kind = 'payload' as const;
  constructor(host: GitHost, reason: string) {
    super(host, reason, 'payload is invalid');
  }
}
