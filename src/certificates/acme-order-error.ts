import { ErrorCode, SluiceError } from '../errors.ts';

/** The CA refused or could not be reached; the message is the CA's own (rate limit, failed challenge). Retried with backoff. */
export class AcmeOrderError extends SluiceError {
  constructor(domains: readonly string[], message: string, cause?: unknown) {
    super(ErrorCode.unavailable, message, { cause, retryable: true, details: { domains } });
  }
}
