// Every request passes here before its route runs (one onRequest hook):
// 1. Host must be a name this server serves (loopback names, --host, --public-url's host), so a
//    DNS-rebound name pointing at 127.0.0.1 gets nothing.
// 2. An Origin header must be the API's own: a web page elsewhere cannot drive it.
// 3. Mutations under /api/ need Content-Type: application/json (no "simple" cross-site request
//    can carry it, and a bodyless POST cannot sneak through).
// 4. The route's declared permission: public, or a token (request.principal) of at least the
//    role, within its projects and environments. Failed authentications count per address.
//    Without an Authorization header, the dashboard's session cookie stands for the token; a
//    change carried by the cookie must also come with an Origin header and the session's CSRF
//    token (x-csrf-token), since a browser sends cookies on its own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, ForbiddenError, InvalidInputError, NotFoundError, SluiceError, UnauthenticatedError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { assertAllowed, seesEnvironment, seesProject, type Permission } from '../auth/permission.ts';
import type { FailureLimiter } from '../auth/failure-limiter.ts';
import type { TokenService } from '../auth/token-service.ts';
import type { ActiveSession, SessionService } from '../auth/session-service.ts';
import { csrfMatches } from '../auth/session-value.ts';
import { clearSessionCookie, isHttps, sessionCookieOf } from './session-cookie.ts';

export interface GuardOptions {
  tokens: TokenService;
  sessions: SessionService;
  /** Host names (lowercase, IPv6 without brackets) the API answers for. */
  hosts: ReadonlySet<string>;
  /** --public-url's origin (scheme://host[:port], lowercase): a reverse proxy in front may rewrite Host, not Origin. */
  publicOrigin: string | null;
  failures: FailureLimiter;
  warn: (message: string) => void;
  now: () => number;
}

const loopbackNames = ['localhost', '127.0.0.1', '::1'];

/** The names a server answers for: loopback, the address it listens on (unless a wildcard), its public URL's host. */
export function servedHosts(listenHost: string, publicUrl: string | null): Set<string> {
  const hosts = new Set(loopbackNames);
  const listen = listenHost.toLowerCase().replace(/^\[|\]$/g, '');
  if (listen !== '0.0.0.0' && listen !== '::') hosts.add(listen);
  if (publicUrl) hosts.add(new URL(publicUrl).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  return hosts;
}

/** host[:port] → hostname (lowercase, brackets removed); null when it is not a valid host. */
function hostnameOf(hostHeader: string): string | null {
  try {
    const u = new URL(`http://${hostHeader}/`);
    if (u.username || u.password || u.pathname !== '/' || u.host.toLowerCase() !== hostHeader.toLowerCase()) return null;
    return u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

function isMutation(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session that authenticated the request; null for a bearer token or none. */
    session: ActiveSession | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new UnauthenticatedError('this route needs a token');
  return req.principal;
}

export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission;
}

/** The HTTP server takes up to MAX_HEADER_BYTES in all (create-api.ts) so that this can name the header. */
export const MAX_HEADER_BYTES = 64 * 1024;
const MAX_HEADER_VALUE_BYTES = 8 * 1024;

// A huge value gets a 400 naming it, not the HTTP server's bare 431. Authorization is left to the
// token check, whose answer for a value of the wrong length is 401.
function refuseOversizedHeaders(raw: readonly string[]): void {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const bytes = Buffer.byteLength(raw[i + 1]!);
    if (bytes > MAX_HEADER_VALUE_BYTES && name.toLowerCase() !== 'authorization') {
      throw new InvalidInputError(`header ${JSON.stringify(name.slice(0, 100))} is ${bytes} bytes long: the API accepts at most ${MAX_HEADER_VALUE_BYTES} bytes per header`);
    }
  }
}

/** A change carried by the session cookie: the page's own origin sent it, with the session's CSRF token. */
function assertSameSite(req: FastifyRequest, cookie: string): void {
  // A foreign Origin was refused above; here it must be present at all.
  if (req.headers.origin === undefined) throw new ForbiddenError('a change made with the session cookie needs an Origin header (browsers send it)', { csrf: true });
  const given = req.headers['x-csrf-token'];
  if (typeof given !== 'string' || !csrfMatches(cookie, given)) {
    throw new ForbiddenError(`a change made with the session cookie needs the session's CSRF token in x-csrf-token (GET /api/session gives it); ${given === undefined ? 'none was sent' : 'the one sent is wrong'}`, { csrf: true });
  }
}

/** Installs the guard; returns the route table as routes are added (what the permission tests read). */
export function guardRequests(app: FastifyInstance, opts: GuardOptions): readonly RouteEntry[] {
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  const table: RouteEntry[] = [];
  // A route without a declared permission is a bug: refuse to build the server at all.
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission) throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config.permission)`);
    for (const method of [route.method].flat()) table.push({ method, url: route.url, permission });
  });
  app.addHook('onRequest', async (req, reply) => {
    const hostHeader = req.headers.host ?? '';
    const host = hostnameOf(hostHeader);
    if (host === null || !opts.hosts.has(host)) {
      throw new InvalidInputError(`this server does not answer for Host ${JSON.stringify(hostHeader.slice(0, 100))}: it serves ${[...opts.hosts].join(', ')} (add --public-url for another name)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const o = origin.toLowerCase();
      const own = o === `http://${hostHeader.toLowerCase()}` || o === `https://${hostHeader.toLowerCase()}` || o === opts.publicOrigin;
      if (!own) throw new ForbiddenError(`requests from origin ${JSON.stringify(origin.slice(0, 100))} are refused: only the API's own origin may call it`);
    }
    refuseOversizedHeaders(req.raw.rawHeaders);
    const permission = req.routeOptions.config.permission;
    if (!permission || 'public' in permission) return; // public routes; the not-found handler has none
    if (isMutation(req.method) && req.url.startsWith('/api/')) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') throw new InvalidInputError(`${req.method} needs Content-Type: application/json (got ${type ? JSON.stringify(type) : 'none'})`);
    }
    const cookie = req.headers.authorization === undefined ? sessionCookieOf(req.headers.cookie) : undefined;
    try {
      if (cookie !== undefined) {
        req.session = await opts.sessions.authenticate(cookie).catch((error: unknown) => {
          // The browser may drop a cookie that signs nobody in.
          if (error instanceof SluiceError && error.code === ErrorCode.unauthenticated) clearSessionCookie(reply, isHttps(req, opts.publicOrigin));
          throw error;
        });
        req.principal = req.session.principal;
      } else {
        req.principal = await opts.tokens.authenticate(req.headers.authorization);
      }
    } catch (error) {
      if (!(error instanceof SluiceError) || error.code !== ErrorCode.unauthenticated) throw error;
      const { retryAfterMs, first } = opts.failures.fail(req.ip, opts.now());
      if (retryAfterMs > 0) {
        if (first) opts.warn(`authentication: too many failures from ${req.ip}; answering 429 for ${Math.ceil(retryAfterMs / 1000)} s`);
        const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
        throw new SluiceError(ErrorCode.rateLimited, `too many failed authentications from ${req.ip}: try again in ${retryAfterS} s`, { details: { retryAfterS } });
      }
      opts.warn(`authentication failed from ${req.ip} for ${req.method} ${req.routeOptions.url ?? ''}: ${error.message}`);
      throw error;
    }
    if (cookie !== undefined && isMutation(req.method)) assertSameSite(req, cookie);
    assertAllowed(req.principal, permission, isMutation(req.method));
    // A token limited to projects or environments finds nothing outside them: 404, as if absent.
    const params = req.params as Record<string, string | undefined>;
    if (req.routeOptions.url?.startsWith('/api/projects/:name') && params.name !== undefined && !seesProject(req.principal, params.name)) throw new NotFoundError('project', params.name);
    if (params.env !== undefined && !seesEnvironment(req.principal, params.env)) throw new NotFoundError('environment', params.env);
  });
  return table;
}
