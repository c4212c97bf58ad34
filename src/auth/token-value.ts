// Token values: `sluice_` (so secret scanners can find leaked ones), 16 hex digits of public id
// (the row is found by it, never by the secret), 48 hex digits of secret. Only the SHA-256 of
// the whole value is stored; it is compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const tokenPrefix = 'sluice_';
const tokenPattern = /^sluice_([0-9a-f]{16})[0-9a-f]{48}$/;
export const tokenLength = tokenPrefix.length + 64;

export function newTokenValue(): { id: string; value: string } {
  const id = randomBytes(8).toString('hex');
  return { id, value: `${tokenPrefix}${id}${randomBytes(24).toString('hex')}` };
}

/** The public id of a well-formed token value; null for anything else. */
export function tokenIdOf(value: string): string | null {
  return tokenPattern.exec(value)?.[1] ?? null;
}

export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Whether `value` hashes to `storedHash` (hex), in time independent of where they differ. */
export function tokenMatches(value: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(value).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
