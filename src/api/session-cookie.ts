// The dashboard's session cookie: HttpOnly (page scripts never see it), SameSite=Strict (no
// other site's page sends it), Secure when the dashboard is reached over HTTPS, Path=/.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const sessionCookieName = 'sluice_session';

/** One cookie's value in a Cookie header; undefined when absent. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie's value in a Cookie header; undefined when absent. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  return cookieOf(header, sessionCookieName);
}

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Whether the browser reached the API over HTTPS: --public-url says https, or the request came
 * from this machine's own router (loopback) saying X-Forwarded-Proto: https. The header from
 * anywhere else is not believed.
 */
export function isHttps(req: FastifyRequest, publicOrigin: string | null): boolean {
  if (publicOrigin?.startsWith('https:')) return true;
  return loopback.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-proto'] === 'https';
}

export function setSessionCookie(reply: FastifyReply, value: string, maxAgeS: number, secure: boolean): void {
  void reply.header('set-cookie', `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeS))}${secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  setSessionCookie(reply, '', 0, secure);
}
