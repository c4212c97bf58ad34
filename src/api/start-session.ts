// Starting a dashboard session after a successful sign-in, for every way of signing in: the
// token sign-in route (session-routes.ts) and OpenID Connect's callback call startSession.
// The application carries its session gate (decorated by createApi), so nothing here is global.
import type { FastifyReply } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import type { SessionOrigin } from '../auth/session-origin.ts';
import type { SessionService, StartedSession } from '../auth/session-service.ts';
import { isHttps, setSessionCookie } from './session-cookie.ts';

export interface SessionGate {
  sessions: SessionService;
  /** --public-url's origin (lowercase), null without one. */
  publicOrigin: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionGate: SessionGate;
  }
}

/**
 * Starts a session for `principal` and sets its cookie on `reply`. `origin` says how the person
 * signed in: `{kind: 'token', token}` (the session ends with the token) or
 * `{kind: 'oidc', issuer, subject, expiresAt?}` (the session ends at expiresAt if earlier than
 * the maximum age). Returns the session, with the CSRF token the page must send on changes.
 */
export async function startSession(reply: FastifyReply, principal: Principal, origin: SessionOrigin): Promise<StartedSession> {
  const gate = reply.server.sessionGate;
  const started = await gate.sessions.start(principal, origin);
  const maxAgeS = (Date.parse(started.expiresAt) - Date.now()) / 1000;
  setSessionCookie(reply, started.value, maxAgeS, isHttps(reply.request, gate.publicOrigin));
  // The request is now this principal's: the audit trail names it, not "anonymous".
  reply.request.principal = principal;
  return started;
}
