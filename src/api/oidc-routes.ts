// The two routes of single sign-on. Both are navigations of the browser (the SSO button, the
// provider's redirect back), so both answer a page or a redirect, never JSON: an error is a short
// page naming the problem, with the status the error's code has everywhere (error-status.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, errorMessage, SluiceError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import { loginCookieMaxAgeS, loginCookieName } from '../auth/oidc-login-cookie.ts';
import type { OidcLogin } from '../auth/oidc-login.ts';
import { safeReturnPath } from '../auth/safe-return-path.ts';
import { cookieOf, isHttps } from './session-cookie.ts';
import { startSession } from './start-session.ts';
import type { ApiAuditor } from './audit-hook.ts';
import { statusOfCode } from './error-status.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface OidcRouteDeps {
  /** null: no --oidc-issuer; the routes exist and say so. */
  login: OidcLogin | null;
  logError: (message: string, error: unknown) => void;
}

export const oidcCallbackPath = '/api/auth/oidc/callback';
const cookiePath = '/api/auth/oidc/';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// SameSite=Lax, not Strict: the callback is a navigation coming from the provider's site, and a
// Strict cookie would not be sent with it. Path limits it to these two routes.
function loginCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${loginCookieName}=${value}; Path=${cookiePath}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function errorPage(reply: FastifyReply, error: unknown, deps: OidcRouteDeps): FastifyReply {
  const status = error instanceof SluiceError ? statusOfCode[error.code] : 500;
  if (status === 500) deps.logError('single sign-on', error);
  const title = status === 403 ? 'Access refused' : status === 503 ? 'Single sign-on is not available' : 'Sign-in failed';
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title} · Sluice</title></head>`
    + `<body><main><h1>${title}</h1><p role="alert" id="sso-error">${escapeHtml(errorMessage(error))}</p><p><a href="/">Back to sign-in</a></p></main></body></html>`;
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
}

function configured(deps: OidcRouteDeps): OidcLogin {
  if (!deps.login) throw new SluiceError(ErrorCode.unavailable, 'single sign-on is not configured on this server (sluice server --oidc-issuer URL …): sign in with an API token');
  return deps.login;
}

export function registerOidcRoutes(app: FastifyInstance, deps: OidcRouteDeps, auditor: ApiAuditor): void {
  const sessionSchemas = lazySchemas(() => import('./schemas/session-schemas.ts'));
  /** Refusals are pages for a person in a browser, not JSON. */
  const pageAnswers = {
    '4xx': { description: 'a page saying why the sign-in was refused', content: { 'text/html': { schema: sessionSchemas.htmlPageSchema } } },
    '5xx': { description: 'a page saying what is unavailable (not configured, the provider unreachable)', content: { 'text/html': { schema: sessionSchemas.htmlPageSchema } } },
  };
  // The SSO button links here (with ?return=/the/page): off to the provider.
  const secure = (req: FastifyRequest): boolean => isHttps(req, app.sessionGate.publicOrigin);
  app.get('/api/auth/oidc/login', { schema: { summary: 'Single sign-on: off to the OpenID provider', querystring: sessionSchemas.oidcLoginQuerySchema, response: { 302: { description: 'to the provider, with a sealed cookie holding the pending sign-in', content: {} }, ...pageAnswers } }, config: { permission: need.public } }, async function oidcLogin(req, reply) {
    try {
      const { url, cookie } = await configured(deps).begin(safeReturnPath((req.query as { return?: unknown }).return));
      return reply.code(302).header('cache-control', 'no-store').header('set-cookie', loginCookie(cookie, loginCookieMaxAgeS, secure(req))).header('location', url).send();
    } catch (error) {
      return errorPage(reply, error, deps);
    }
  });

  // The provider sends the browser back here with ?code&state (or ?error).
  app.get(oidcCallbackPath, { schema: { summary: "The provider's redirect back: starts the session", querystring: sessionSchemas.oidcCallbackQuerySchema, response: { 303: { description: 'signed in: to the page the sign-in started from, with the session cookie', content: {} }, ...pageAnswers } }, config: { permission: need.public } }, async function oidcCallback(req, reply) {
    // Whatever happens, the pending sign-in is used up.
    void reply.header('set-cookie', loginCookie('', 0, secure(req)));
    try {
      const query = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1 || req.url.length));
      const login = configured(deps);
      const signedIn = await login.finish(query, cookieOf(req.headers.cookie, loginCookieName));
      // The session keeps this principal (role and scopes as mapped now) until it ends.
      await startSession(reply, signedIn.principal, { kind: 'oidc', issuer: signedIn.issuer, subject: signedIn.subject, expiresAt: new Date(signedIn.expiresAt) });
      await auditor.recordNow(req, login.issuer);
      return reply.code(303).header('cache-control', 'no-store').header('location', signedIn.returnTo).send();
    } catch (error) {
      return errorPage(reply, error, deps);
    }
  });
}
