// The dashboard's sign-in: what the sign-in page shows (GET /api/auth/config, public), signing
// in with a pasted API token (POST /api/session, public: it is the authentication), whether and
// who is signed in, with the CSRF token for changes (GET /api/session), and signing out
// (DELETE /api/session, which deletes the session on the server).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCode, InvalidInputError, SluiceError, UnauthenticatedError } from '../errors.ts';
import { need, type Permission } from '../auth/permission.ts';
import type { FailureLimiter } from '../auth/failure-limiter.ts';
import type { TokenService } from '../auth/token-service.ts';
import type { ActiveSession } from '../auth/session-service.ts';
import { clearSessionCookie, isHttps, sessionCookieOf } from './session-cookie.ts';
import { refuseFailedAuthentication } from './request-guard.ts';
import { startSession } from './start-session.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface AuthConfig {
  /** Whether "Sign in with SSO" is offered (OpenID Connect is configured). */
  oidc: boolean;
}

export interface SessionRouteDeps {
  tokens: TokenService;
  failures: FailureLimiter;
  warn: (message: string) => void;
  authConfig: () => AuthConfig;
}

const signInSchema = z.object({ token: z.string().min(1).max(1000) }).strict();

/** Signing out changes one thing: the caller's own session. Any role may, even one limited to environments. */
const ownSession: Permission = { role: 'viewer', oneEnvironment: true };

function sessionView(s: ActiveSession): Record<string, unknown> {
  const { principal } = s;
  return { name: principal.name, role: principal.role, projects: principal.projects, environments: principal.environments, via: s.kind, csrfToken: s.csrfToken, expiresAt: s.expiresAt, idleExpiresAt: s.idleExpiresAt };
}

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const sessionSchemas = lazySchemas(() => import('./schemas/session-schemas.ts'));
  app.get('/api/auth/config', { schema: { summary: 'What the sign-in page offers', response: { 200: sessionSchemas.authConfigSchema, ...errorResponses } }, config: { permission: need.public } }, async () => deps.authConfig());

  app.post('/api/session', { schema: { summary: 'Sign in with an API token: sets the session cookie', body: sessionSchemas.signInBodySchema, response: { 201: sessionSchemas.sessionSchema, ...errorResponses } }, config: { permission: need.public } }, async (req, reply) => {
    const parsed = signInSchema.safeParse(req.body);
    if (!parsed.success) throw new InvalidInputError('sign in with {"token": "sluice_…"}: the body must hold the API token and nothing else');
    const { token } = parsed.data;
    let principal;
    try {
      principal = await deps.tokens.authenticate(`Bearer ${token}`);
    } catch (error) {
      if (!(error instanceof SluiceError) || error.code !== ErrorCode.unauthenticated) throw error;
      // Counted like any failed authentication: past the limit, 429 instead of 401.
      refuseFailedAuthentication({ failures: deps.failures, warn: deps.warn, now: Date.now }, req, error);
    }
    const started = await startSession(reply, principal, { kind: 'token', token });
    return reply.code(201).send(sessionView(started));
  });

  // Public: the page asks it on every load, and being signed out is an answer, not an error
  // (a 401 would be logged in the browser's console). A bearer token is checked as anywhere.
  app.get('/api/session', { schema: { summary: 'Whether and who is signed in, with the CSRF token', response: { 200: sessionSchemas.sessionStateSchema, ...errorResponses } }, config: { permission: need.public } }, async (req, reply) => {
    if (req.headers.authorization !== undefined) {
      const p = await deps.tokens.authenticate(req.headers.authorization);
      return { signedIn: true, name: p.name, role: p.role, projects: p.projects, environments: p.environments, via: 'bearer' };
    }
    const cookie = sessionCookieOf(req.headers.cookie);
    if (cookie === undefined) return { signedIn: false };
    try {
      return { signedIn: true, ...sessionView(await app.sessionGate.sessions.authenticate(cookie)) };
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      clearSessionCookie(reply, isHttps(req, app.sessionGate.publicOrigin));
      return { signedIn: false, reason: error.message };
    }
  });

  app.delete('/api/session', { schema: { summary: 'Sign out: the session ends on the server', response: { 204: { description: 'signed out', content: {} }, ...errorResponses } }, config: { permission: ownSession } }, async (req, reply) => {
    const cookie = req.session ? sessionCookieOf(req.headers.cookie) : undefined;
    // Authenticated, by a bearer token: a bad request, not a missing authentication.
    if (cookie === undefined) throw new InvalidInputError('no session to sign out of: this request is not signed in with the session cookie');
    await app.sessionGate.sessions.end(cookie);
    clearSessionCookie(reply, isHttps(req, app.sessionGate.publicOrigin));
    return reply.code(204).send();
  });
}
