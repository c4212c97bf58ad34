// The Fastify application: the request guard (host, origin, content type, token, permission),
// the routes, and the single error → HTTP mapping.
import { registerNotificationRoutes } from './notification-routes.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorCode, InvalidInputError, SluiceError } from '../errors.ts';
import { FailureLimiter, type FailureLimit } from '../auth/failure-limiter.ts';
import type { TokenService } from '../auth/token-service.ts';
import type { SessionService } from '../auth/session-service.ts';
import { registerSessionRoutes, type AuthConfig } from './session-routes.ts';
import { registerWebUiRoutes } from './web-ui-routes.ts';
import { statusOfCode } from './error-status.ts';
import { guardRequests, MAX_HEADER_BYTES, type RouteEntry } from './request-guard.ts';
import { registerRoutes, type ApiDeps } from './routes.ts';
import { registerLogRoutes } from './log-routes.ts';
import { registerHookRoutes } from './hook-routes.ts';
import { registerSecretRoutes } from './secret-routes.ts';
import { registerDomainRoutes } from './domain-routes.ts';
import { registerFlagKeyRoutes } from './flag-key-routes.ts';
import { registerAlertRoutes } from './alert-routes.ts';
import { registerBackupRoute } from './backup-route.ts';
import { registerTokenRoutes } from './token-routes.ts';
import { registerAuditHook } from './audit-hook.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerTracingHook } from './tracing-hook.ts';
import type { Tracing } from '../engine/tracing.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { registerDoraRoute } from './dora-route.ts';
import { registerRenderRoute } from './render-route.ts';
import { registerFlagRoutes } from './flag-routes.ts';
import { registerOpenApiRoute } from './openapi-route.ts';
import { jsonSerializerCompiler, noDefaultCompilers, zodValidatorCompiler } from './zod-compilers.ts';
import { registerOidcRoutes } from './oidc-routes.ts';
import { registerLiveRoutes } from './live-routes.ts';
import { registerOverviewRoute } from './overview-route.ts';

export interface ApiOptions {
  logErrors: (message: string, error: unknown) => void;
  warn: (message: string) => void;
  tokens: TokenService;
  sessions: SessionService;
  /** What the sign-in page offers (OpenID Connect fills in `oidc`). */
  authConfig: () => AuthConfig;
  /** Host names the API answers for (servedHosts()). */
  hosts: ReadonlySet<string>;
  publicOrigin: string | null;
  failureLimit: FailureLimit;
  /** The built dashboard (dist/web); null: not served (tests of the API alone). */
  webRoot: string | null;
  /** Spans for API requests; absent or off: no hook at all. */
  tracing?: Tracing;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The application, and its route table with each route's declared permission. */
export function createApi(deps: ApiDeps, opts: ApiOptions): { app: FastifyInstance; routes: readonly RouteEntry[] } {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // Fastify then never loads its Ajv and fast-json-stringify compilers (ours are set below).
    schemaController: { compilersFactory: noDefaultCompilers },
  });
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof SluiceError) {
      if (error.code === ErrorCode.rateLimited) void reply.header('retry-after', String(error.details.retryAfterS));
      return reply.code(statusOfCode[error.code]).send({ code: error.code, message: error.message, ...(Object.keys(error.details).length ? { details: error.details } : {}) });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ code: 'invalid_input', message: (error as Error).message });
    opts.logErrors('unhandled API error', error);
    return reply.code(500).send({ code: 'internal', message: (error as Error).message });
  });
  // First, so that refused requests (401, 404) are traced as well.
  if (opts.tracing?.enabled) registerTracingHook(app, opts.tracing);
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'not_found', message: `no such endpoint: ${req.method} ${req.url}` }));
  // JSON bodies must be UTF-8: other bytes are refused, never turned into U+FFFD and stored.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new InvalidInputError('the body is not valid UTF-8'), undefined);
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (error) {
      done(new InvalidInputError(`the body is not JSON: ${(error as Error).message}`), undefined);
    }
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  const failures = new FailureLimiter(opts.failureLimit);
  app.decorate('sessionGate', { sessions: opts.sessions, publicOrigin: opts.publicOrigin });
  const routes = guardRequests(app, { tokens: opts.tokens, sessions: opts.sessions, hosts: opts.hosts, publicOrigin: opts.publicOrigin, failures, warn: opts.warn, now: Date.now });
  // Route schemas are zod (src/api/schemas/); before the routes, so that every one is described.
  registerOpenApiRoute(app);
  // Before the routes, so that it applies to every one of them.
  const auditor = registerAuditHook(app, {
    trail: deps.auditTrail,
    runOf: async (ref) => {
      const { run } = await deps.engine.run(ref);
      return { project: run.project, number: run.number };
    },
    logError: opts.logErrors,
  });
  registerRoutes(app, deps);
  registerLogRoutes(app, deps.engine, deps.logApi);
  registerHookRoutes(app, deps.engine);
  registerSecretRoutes(app, deps.secretApi, auditor);
  registerDomainRoutes(app, deps.domainApi);
  registerAlertRoutes(app, deps.alertApi);
  registerNotificationRoutes(app, deps.notificationApi);
  registerAuditRoutes(app, deps.auditTrail);
  registerBackupRoute(app, deps.backupApi);
  registerTokenRoutes(app, opts.tokens);
  registerSessionRoutes(app, { tokens: opts.tokens, failures, warn: opts.warn, authConfig: opts.authConfig });
  registerMetricsRoute(app, deps.metricsApi);
  registerDoraRoute(app, deps.doraApi);
  registerLiveRoutes(app, deps.liveApi);
  registerRenderRoute(app, deps.renderApi);
  registerOverviewRoute(app, () => ({ engine: deps.engine, deployer: deps.deployer, traffic: deps.liveApi.traffic, apiBase: () => deps.apiBase() }));
  registerFlagRoutes(app, deps.flagApi, auditor);
  if (deps.flagKeyApi) registerFlagKeyRoutes(app, deps.flagKeyApi);
  // Without --oidc-issuer the routes still exist and answer 503 naming the option (login null: nothing else is called).
  registerOidcRoutes(app, deps.oidcApi ?? { login: null, logError: opts.logErrors }, auditor);
  if (opts.webRoot !== null) registerWebUiRoutes(app, opts.webRoot);
  return { app, routes };
}
