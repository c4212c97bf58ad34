// The one place where error codes become HTTP statuses.
import { ErrorCode } from '../errors.ts';

export const statusOfCode: Record<ErrorCode, number> = {
  [ErrorCode.invalidInput]: 400,
  [ErrorCode.unauthenticated]: 401,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
  [ErrorCode.tooLarge]: 413,
  [ErrorCode.invalidSpec]: 422,
  [ErrorCode.notFound]: 404,
  [ErrorCode.conflict]: 409,
  [ErrorCode.illegalTransition]: 409,
  [ErrorCode.source]: 422,
  [ErrorCode.artifact]: 422,
  [ErrorCode.image]: 502,
  [ErrorCode.runtime]: 502,
  [ErrorCode.timeout]: 504,
  [ErrorCode.unavailable]: 503,
  [ErrorCode.secretNotGranted]: 422,
  [ErrorCode.storedDataInvalid]: 500,
  [ErrorCode.unsupported]: 501,
};
