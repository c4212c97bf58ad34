// The one error of the secrets machinery. Code `unavailable` (not `invalid_input`): a wrong,
// missing, malformed or exposed key is the server's problem, not the caller's request, and
// until an operator fixes it no secret can be served (HTTP 503). It is never retryable.
import { ErrorCode, SluiceError } from '../errors.ts';

export const SecretKeyProblem = {
  /** The key does not open the ciphertext (or the ciphertext was altered: GCM cannot tell which). */
  wrongKey: 'wrong_key',
  /** Sealed under the right key, yet authentication failed: altered bytes or a swapped row (AAD). */
  tampered: 'tampered',
  /** The ciphertext names a key id this keyring does not hold. */
  unknownKey: 'unknown_key',
  /** Not a well-formed key or envelope (bad base64/hex, wrong length, bad JSON). */
  malformed: 'malformed',
  /** A key file readable by group or others. */
  insecureFile: 'insecure_file',
} as const;
export type SecretKeyProblem = (typeof SecretKeyProblem)[keyof typeof SecretKeyProblem];

export class SecretKeyError extends SluiceError {
  readonly problem: SecretKeyProblem;

  constructor(problem: SecretKeyProblem, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.unavailable, message, { cause: opts.cause, retryable: false, details: { problem, ...opts.details } });
    this.problem = problem;
  }
}
