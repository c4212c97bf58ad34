// When a numbering transaction (read the top number, insert the next) may simply be tried again.
import { SluiceError, ErrorCode } from '../../errors.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

// Each round of contention lets at least one caller through, so N racing callers need up to
// N attempts; the random pause spreads them out.
export const numberRetries = 40;

/** A numbering transaction lost a race and may simply be tried again: a retryable conflict, a duplicate number, SQLite
 * refusing to upgrade a read transaction to a write (SQLITE_BUSY at once, without busy_timeout),
 * or PostgreSQL aborting a serialization failure or deadlock. */
export function isNumberingConflict(error: unknown): boolean {
  if (error instanceof SluiceError && error.code === ErrorCode.conflict && error.retryable) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const retryableCode = typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === '40001' || code === '40P01');
  return retryableCode || isUniqueViolation(error);
}
