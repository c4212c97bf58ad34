// An environment's public (client) flag key, for browser code: it evaluates only the flags
// marked `client: true`, on the environment's own host under /_sluice/ofrep/v1. Public by
// nature (it ships in page scripts), so a viewer may read it. The evaluation-only server key is
// never shown here: instances get it as SLUICE_FLAGS_TOKEN (docs/decisions/0034).
import type { FastifyInstance } from 'fastify';
import { need, seesEnvironment } from '../auth/permission.ts';
import { NotFoundError } from '../errors.ts';
import { environmentParams, errorResponses } from './schemas/common-schemas.ts';
import { assertDnsLabel } from '../engine/names.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface FlagKeyApiDeps {
  /** Throws NotFoundError for an unknown project. */
  assertProject(project: string): Promise<void>;
  clientKey(project: string, environment: string): string;
}

export function registerFlagKeyRoutes(app: FastifyInstance, deps: FlagKeyApiDeps): void {
  const flagSchemas = lazySchemas(() => import('./schemas/flag-schemas.ts'));
  app.get<{ Params: Record<string, string> }>('/api/projects/:name/environments/:env/flag-keys', { schema: { summary: "The environment's public (client) flag key", params: environmentParams, response: { 200: flagSchemas.flagKeysSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const { name, env } = req.params as { name: string; env: string };
    await deps.assertProject(name);
    if (!seesEnvironment(req.principal, env)) throw new NotFoundError('environment', env);
    assertDnsLabel('environment', env);
    return { project: name, environment: env, clientKey: deps.clientKey(name, env), ofrepPath: '/_sluice/ofrep/v1' };
  });
}
