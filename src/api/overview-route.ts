// GET /api/overview[?project=P]: the dashboard's Overview in one read (overview-view.ts).
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { principalOf } from './request-guard.ts';
import { overviewOf, type OverviewDeps } from './overview-view.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export function registerOverviewRoute(app: FastifyInstance, deps: () => OverviewDeps): void {
  const overviewSchemas = lazySchemas(() => import('./schemas/overview-schemas.ts'));
  app.get<{ Querystring: { project?: string } }>(
    '/api/overview',
    { schema: { summary: 'Every project the caller sees with its environments, live releases, last run, previews and traffic (the Overview)', querystring: overviewSchemas.overviewQuerySchema, response: { 200: overviewSchemas.overviewSchema, ...errorResponses } }, config: { permission: need.viewer } },
    async (req) => overviewOf(deps(), principalOf(req), req.query.project),
  );
}
