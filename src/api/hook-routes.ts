// Webhook receivers: /hooks/{github,gitlab,bitbucket,gitea}/PROJECT. The raw body is kept
// (signatures are over its exact bytes) and limited in size (413 beyond it). No token: the
// signature authenticates the sender.
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { isGitHost } from '../hooks/verify-and-parse.ts';
import { need } from '../auth/permission.ts';

export const hookBodyLimit = 1024 * 1024;

export function registerHookRoutes(app: FastifyInstance, engine: Engine): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: hookBodyLimit }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { host: string; project: string } }>('/hooks/:host/:project', { bodyLimit: hookBodyLimit, config: { permission: need.public } }, async (req, reply) => {
      const { host, project } = req.params;
      if (!isGitHost(host)) throw new NotFoundError('git host', host);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await engine.receiveHook(project, host, { headers: req.headers, body });
      return reply.code(result.status === 'accepted' ? 202 : 200).send(result);
    });
  });
}
