// The error classes of Sluice. Each has a stable `code`; the HTTP status for each code is
// chosen in exactly one place (src/api/error-status.ts). Domain code never imports HTTP.

export const ErrorCode = {
  invalidInput: 'invalid_input',
  unauthenticated: 'unauthenticated',
  /** Authenticated, but the token's role or scope does not allow the call. */
  forbidden: 'forbidden',
  /** Too many failed authentications from one address. */
  rateLimited: 'rate_limited',
  tooLarge: 'too_large',
  invalidSpec: 'invalid_spec',
  notFound: 'not_found',
  conflict: 'conflict',
  illegalTransition: 'illegal_transition',
  source: 'source_error',
  artifact: 'artifact_error',
  /** Building or pushing an OCI image: the registry, the base image or the credentials. */
  image: 'image_error',
  runtime: 'runtime_error',
  timeout: 'timeout',
  unavailable: 'unavailable',
  /** A sluice.yaml names a secret group that is not granted to its project (or that Sluice keeps for itself). */
  secretNotGranted: 'secret_not_granted',
  /** JSON read back from the store does not match its shape. */
  storedDataInvalid: 'stored_data_invalid',
  /** What this server's drivers cannot do (a flag rollout behind the Gateway router, which attributes no request to a variant). */
  unsupported: 'unsupported',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class SluiceError extends Error {
  readonly code: ErrorCode;
  /** Whether trying the same thing again later can help. */
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details ?? {};
  }
}

export class InvalidInputError extends SluiceError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.invalidInput, message, { details });
  }
}

export class UnauthenticatedError extends SluiceError {
  constructor(message: string) {
    super(ErrorCode.unauthenticated, message);
  }
}

export class ForbiddenError extends SluiceError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.forbidden, message, { details });
  }
}

export class NotFoundError extends SluiceError {
  /** `hint` says what was looked for and how to find it. */
  constructor(what: string, id: string | number, hint?: string) {
    super(ErrorCode.notFound, `${what} ${JSON.stringify(String(id))} not found${hint ? `: ${hint}` : ''}`, { details: { what, id } });
  }
}

export class ConflictError extends SluiceError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.conflict, message, { details });
  }
}

export class IllegalTransitionError extends SluiceError {
  /** `why` replaces the generic message (e.g. a stored state outside its closed union). */
  constructor(entity: string, from: string, to: string, why?: string) {
    super(ErrorCode.illegalTransition, why ? `${entity}: ${why}` : `${entity} cannot go from ${from} to ${to}`, { details: { entity, from, to } });
  }
}

/** `value` if it is one of `known`; otherwise an IllegalTransitionError naming it (nothing can follow an unknown state). */
export function oneOf<T extends string>(entity: string, what: string, value: string, known: readonly T[]): T {
  if ((known as readonly string[]).includes(value)) return value as T;
  throw new IllegalTransitionError(entity, value, 'anything', `unknown ${what} ${JSON.stringify(value)} (known: ${known.join(', ')})`);
}

export class SourceError extends SluiceError {
  constructor(message: string, opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.source, message, opts);
  }
}

export class ArtifactError extends SluiceError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.artifact, message, { details });
  }
}

export class ImageError extends SluiceError {
  constructor(message: string, opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.image, message, opts);
  }
}

export class RuntimeError extends SluiceError {
  constructor(message: string, opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.runtime, message, opts);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
