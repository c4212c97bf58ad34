// The Fastify application: routes plus the single error → HTTP mapping.
import Fastify, { type FastifyInstance } from 'fastify';
import { SluiceError } from '../errors.ts';
import { statusOfCode } from './error-status.ts';
import { registerRoutes, type ApiDeps } from './routes.ts';
import { registerHookRoutes } from './hook-routes.ts';
import { registerSecretRoutes } from './secret-routes.ts';
import { registerBackupRoute } from './backup-route.ts';
import { registerAuditHook } from './audit-hook.ts';
import { registerAuditRoutes } from './audit-routes.ts';

export function createApi(deps: ApiDeps, opts: { logErrors: (message: string, error: unknown) => void }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof SluiceError) {
      return reply.code(statusOfCode[error.code]).send({ code: error.code, message: error.message, ...(Object.keys(error.details).length ? { details: error.details } : {}) });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ code: 'invalid_input', message: (error as Error).message });
    opts.logErrors('unhandled API error', error);
    return reply.code(500).send({ code: 'internal', message: (error as Error).message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'not_found', message: `no such endpoint: ${req.method} ${req.url}` }));
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
  registerHookRoutes(app, deps.engine);
  registerSecretRoutes(app, deps.secretApi, auditor);
  registerAuditRoutes(app, deps.auditTrail);
  registerBackupRoute(app, deps.backupApi);
  return app;
}
