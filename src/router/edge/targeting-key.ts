import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { cookieValue } from './sticky-cookie.ts';

// The targeting key of a request on a host whose environment serves flags (docs/decisions/0039):
// the app's own user id when it sends one (x-sluice-user), else the browser's sluice-uid
// cookie, else a new id that the response sets as that cookie.

export const userHeader = 'x-sluice-user';
export const userCookie = 'sluice-uid';
/** One year: a user keeps their variants across visits. */
export const userCookieMaxAgeSeconds = 365 * 24 * 3600;
/** Longer header or cookie values are treated as absent: a key is an id, not a payload. */
export const maxTargetingKeyLength = 256;

/**
 * A usable key: 1 to 256 visible ASCII characters other than `"` `,` `;` `\` (a cookie-octet,
 * RFC 6265 §4.1.1, so any key can also travel as the cookie). Anything else (empty, spaces,
 * control or non-ASCII characters, a header sent twice, which Node joins with ", ") is absent.
 */
export function validTargetingKey(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > maxTargetingKeyLength) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c) return false;
  }
  return true;
}

export interface TargetingKey {
  key: string;
  /** The Set-Cookie to append to the response when the key is new (no usable header or cookie). */
  setCookie?: string;
}

export function resolveTargetingKey(headers: IncomingHttpHeaders): TargetingKey {
  const sent = headers[userHeader];
  if (typeof sent === 'string' && validTargetingKey(sent)) return { key: sent };
  const cookie = cookieValue(headers.cookie, userCookie);
  if (cookie !== undefined && validTargetingKey(cookie)) return { key: cookie };
  const key = randomUUID();
  return { key, setCookie: `${userCookie}=${key}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${userCookieMaxAgeSeconds}` };
}
