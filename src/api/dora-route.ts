// GET /api/projects/:name/dora?env=production&since=30d[&every=1d]: the four DORA keys of one
// environment (viewer), computed from stored events by src/dora; with `every`, also per period.
import type { FastifyInstance } from 'fastify';
import { need, seesEnvironment } from '../auth/permission.ts';
import { NotFoundError } from '../errors.ts';
import { errorResponses, projectParams } from './schemas/common-schemas.ts';
import { doraReport, type DoraSources } from '../dora/dora-report.ts';
import { lazySchemas } from './lazy-schemas.ts';

export type DoraApiDeps = DoraSources & { assertProject(name: string): Promise<unknown> };

export function registerDoraRoute(app: FastifyInstance, deps: DoraApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  app.get<{ Params: { name: string }; Querystring: { env?: string; since?: string; every?: string } }>('/api/projects/:name/dora', { schema: { summary: 'The four DORA keys of one environment', params: projectParams, querystring: observeSchemas.doraQuerySchema, response: { 200: observeSchemas.doraSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertProject(req.params.name);
    const env = req.query.env || 'production';
    // A token limited to other environments learns nothing about this one, not even that it exists.
    if (!seesEnvironment(req.principal, env)) throw new NotFoundError('environment', `${req.params.name}/${env}`);
    return doraReport(deps, req.params.name, env, req.query.since || '30d', req.query.every || undefined);
  });
}
