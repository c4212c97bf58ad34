// GET /metrics: the Prometheus text format for a viewer token (Prometheus sends it with
// `authorization: {credentials: …}` or `bearer_token_file`). A token limited to projects gets
// only its projects' series (src/metrics/visible-series.ts).
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import type { Principal } from '../auth/principal.ts';
import { principalOf } from './request-guard.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface MetricsApiDeps {
  render(principal: Principal): Promise<{ contentType: string; text: string }>;
}

export function registerMetricsRoute(app: FastifyInstance, deps: MetricsApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (a token limited to projects sees their series only)', response: { 200: { content: { 'text/plain': { schema: observeSchemas.metricsTextSchema } } }, ...errorResponses } }, config: { permission: need.viewer } }, async (req, reply) => {
    const exposition = await deps.render(principalOf(req));
    return reply.header('content-type', exposition.contentType).header('cache-control', 'no-store').send(exposition.text);
  });
}
