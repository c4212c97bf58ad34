// Session cookie values: 32 random bytes (base64url). The store keeps only their SHA-256; the
// CSRF token is derived from the value, so it needs no column and dies with the session.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const valuePattern = /^[A-Za-z0-9_-]{43}$/;

export function newSessionValue(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionValue(value: string): boolean {
  return valuePattern.test(value);
}

/** The store's key of a session: SHA-256 (hex) of the cookie value. */
export function sessionIdOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The CSRF token of a session (a different hash of the same value: one cannot be turned into the other). */
export function csrfTokenOf(value: string): string {
  return createHash('sha256').update(`csrf\n${value}`).digest('base64url');
}

/** Whether `given` is the session's CSRF token, in time independent of where they differ. */
export function csrfMatches(value: string, given: string): boolean {
  const expected = Buffer.from(csrfTokenOf(value));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
