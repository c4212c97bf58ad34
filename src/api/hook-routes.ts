// Webhook receivers: /hooks/{github,gitlab,bitbucket,gitea}/PROJECT. The raw body is kept
// (signatures are over its exact bytes) and limited in size (413 beyond it). No token: the
// signature authenticates the sender.
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { isGitHost } from '../hooks/verify-and-parse.ts';
import { need } from '../auth/permission.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export const hookBodyLimit = 1024 * 1024;

export function registerHookRoutes(app: FastifyInstance, engine: Engine): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: hookBodyLimit }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { host: string; project: string } }>('/hooks/:host/:project', { bodyLimit: hookBodyLimit, schema: { summary: 'A git host delivery (signed; no token)', params: observeSchemas.hookParams, body: { content: { 'application/json': { schema: observeSchemas.hookBodySchema }, 'application/x-www-form-urlencoded': { schema: observeSchemas.hookBodySchema } } }, response: { 200: observeSchemas.hookAnswerSchema, 202: observeSchemas.hookAnswerSchema, ...errorResponses } }, config: { permission: need.public } }, async (req, reply) => {
      const { host, project } = req.params;
      if (!isGitHost(host)) throw new NotFoundError('git host', host);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await engine.receiveHook(project, host, { headers: req.headers, body });
      return reply.code(result.status === 'accepted' ? 202 : 200).send(result);
    });
  });
}
