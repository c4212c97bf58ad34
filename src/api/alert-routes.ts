// The alerts of a project over the API (viewer): `GET /api/projects/:name/alerts[?env=ENV]`.
import type { FastifyInstance } from 'fastify';
import { need, seesEnvironment } from '../auth/permission.ts';
import type { AlertView } from '../engine/alerts/alert-views.ts';
import { NotFoundError } from '../errors.ts';
import { errorResponses, projectParams } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface AlertApiDeps {
  /** Throws NotFoundError for an unknown project. */
  assertProject(project: string): Promise<void>;
  views(project: string, environment?: string): Promise<AlertView[]>;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function registerAlertRoutes(app: FastifyInstance, deps: AlertApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/alerts', { schema: { summary: 'Alerts and their state', params: projectParams, querystring: observeSchemas.envQuerySchema, response: { 200: observeSchemas.alertListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const project = req.params.name!;
    await deps.assertProject(project);
    const env = req.query.env;
    if (env !== undefined && !seesEnvironment(req.principal, env)) throw new NotFoundError('environment', env);
    return (await deps.views(project, env)).filter((a) => seesEnvironment(req.principal, a.environment));
  });
}
