import type { OutgoingHttpHeaders } from 'node:http';
import { InvalidInputError } from '../../errors.ts';
import type { StickySessions } from '../route-table.ts';

// Sticky sessions: a cookie names the release a browser was first routed to. Only the one
// cookie name is looked for in the Cookie header (no full parse), and only on sticky routes.

/** RFC 9110 token: what a cookie name may be made of. */
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Throws InvalidInputError when a route's sticky settings cannot make a valid Set-Cookie. */
export function checkSticky(sticky: StickySessions | undefined, host: string): void {
  if (sticky === undefined) return;
  if (typeof sticky !== 'object' || sticky === null || typeof sticky.cookie !== 'string' || !tokenPattern.test(sticky.cookie)) {
    throw new InvalidInputError(`sticky cookie name of ${host} must be a non-empty token (letters, digits, !#$%&'*+-.^_\`|~)`, { host });
  }
  const maxAge = sticky.maxAgeSeconds;
  if (maxAge !== undefined && (!Number.isSafeInteger(maxAge) || maxAge <= 0)) {
    throw new InvalidInputError(`sticky maxAgeSeconds of ${host} must be a positive integer`, { host, maxAgeSeconds: maxAge });
  }
}

/**
 * The cookie value naming a release. Percent-encoded so any release name makes a valid
 * cookie-octet string; the router compares encoded forms, so it never decodes.
 */
export function releaseCookieValue(release: string): string {
  return encodeURIComponent(release);
}

/** The whole Set-Cookie value that sticks a browser to a release. */
export function stickySetCookie(sticky: StickySessions, release: string): string {
  const maxAge = sticky.maxAgeSeconds === undefined ? '' : `; Max-Age=${sticky.maxAgeSeconds}`;
  return `${sticky.cookie}=${releaseCookieValue(release)}; Path=/; HttpOnly; SameSite=Lax${maxAge}`;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * The value of cookie `name` in a Cookie header (the first one when repeated), or undefined.
 * Node joins repeated Cookie headers with '; ', so one string covers them all.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    from = at + 1;
    // The name must start a pair (start of header or after ';' and spaces) and be followed by '='.
    let before = at - 1;
    while (before >= 0 && isSpace(header.charCodeAt(before))) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ';' */) continue;
    let eq = at + name.length;
    while (eq < header.length && isSpace(header.charCodeAt(eq))) eq++;
    if (header.charCodeAt(eq) !== 61 /* '=' */) continue;
    let start = eq + 1;
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    while (start < end && isSpace(header.charCodeAt(start))) start++;
    while (end > start && isSpace(header.charCodeAt(end - 1))) end--;
    // A quoted value (RFC 6265 allows DQUOTE *cookie-octet DQUOTE) means the same unquoted.
    if (end - start >= 2 && header.charCodeAt(start) === 34 && header.charCodeAt(end - 1) === 34) {
      start++;
      end--;
    }
    return header.slice(start, end);
  }
}

/** Adds a Set-Cookie to a response's headers, after any the app sent (never replacing them). */
export function appendSetCookie(headers: OutgoingHttpHeaders, cookie: string): void {
  const existing = headers['set-cookie'];
  if (existing === undefined) headers['set-cookie'] = cookie;
  else if (Array.isArray(existing)) headers['set-cookie'] = [...existing, cookie];
  else headers['set-cookie'] = [String(existing), cookie];
}
