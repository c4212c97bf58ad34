// Feature flags of one environment over the API: list, get and history (viewer), set and
// revert (deployer, one environment: a token limited to environments may change its own).
// Shapes in docs/flags.md. A change answers once the evaluation endpoints serve it.
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { InvalidInputError } from '../errors.ts';
import type { FlagService } from '../engine/flags/flag-service.ts';
import { flagCommandSchema } from '../flags/flag-overrides.ts';
import type { ApiAuditor } from './audit-hook.ts';
import { registerFlagRolloutRoutes, type FlagRolloutApiDeps } from './flag-rollout-routes.ts';
import { principalOf } from './request-guard.ts';
import { environmentParams, errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface FlagApiDeps {
  /** Throws NotFoundError for an unknown project or environment. */
  assertEnvironment(project: string, environment: string): Promise<void>;
  flags: Pick<FlagService, 'list' | 'get' | 'history' | 'set' | 'revert'>;
  rollouts: FlagRolloutApiDeps['rollouts'];
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
const base = '/api/projects/:name/environments/:env/flags';

export function registerFlagRoutes(app: FastifyInstance, deps: FlagApiDeps, auditor: ApiAuditor): void {
  const flagSchemas = lazySchemas(() => import('./schemas/flag-schemas.ts'));
  registerFlagRolloutRoutes(app, deps, auditor);
  app.get<{ Params: Params }>(base, { schema: { summary: "The environment's flags", params: environmentParams, response: { 200: flagSchemas.flagListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertEnvironment(req.params.name!, req.params.env!);
    return deps.flags.list(req.params.name!, req.params.env!);
  });

  app.get<{ Params: Params }>(`${base}/:key`, { schema: { summary: 'One flag', params: flagSchemas.flagParams, response: { 200: flagSchemas.flagDetailSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertEnvironment(req.params.name!, req.params.env!);
    return deps.flags.get(req.params.name!, req.params.env!, req.params.key!);
  });

  app.get<{ Params: Params; Querystring: Query }>(`${base}/:key/history`, { schema: { summary: 'Changes of a flag, newest first', params: flagSchemas.flagParams, querystring: flagSchemas.flagHistoryQuerySchema, response: { 200: flagSchemas.flagHistorySchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertEnvironment(req.params.name!, req.params.env!);
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidInputError('limit must be a whole number from 1 to 1000');
    // The flag must exist (live or archived) for its history to be asked for.
    await deps.flags.get(req.params.name!, req.params.env!, req.params.key!);
    return deps.flags.history(req.params.name!, req.params.env!, req.params.key!, limit);
  });

  app.put<{ Params: Params }>(`${base}/:key`, { schema: { summary: 'Change a flag (answers once evaluations serve it)', params: flagSchemas.flagParams, body: flagSchemas.flagCommandBodySchema, response: { 200: flagSchemas.flagDetailSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { name, env, key } = req.params as { name: string; env: string; key: string };
    await deps.assertEnvironment(name, env);
    const parsed = flagCommandSchema.safeParse(req.body);
    if (!parsed.success) throw new InvalidInputError('expected {kind: on|off|enable|disable} or {kind: "variant", variant} or {kind: "percent", percent, variant?}');
    const view = await deps.flags.set(name, env, key, parsed.data, principalOf(req).name);
    await auditor.recordNow(req, `${name}/${env} flag ${key} version ${view.version}`);
    return view;
  });

  app.post<{ Params: Params }>(`${base}/:key/revert`, { schema: { summary: 'Back to an earlier version of the flag', params: flagSchemas.flagParams, body: flagSchemas.flagRevertBodySchema, response: { 200: flagSchemas.flagDetailSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { name, env, key } = req.params as { name: string; env: string; key: string };
    await deps.assertEnvironment(name, env);
    const to = (req.body as { to?: unknown } | undefined)?.to;
    if (typeof to !== 'number' || !Number.isInteger(to) || to < 0) throw new InvalidInputError('to must be a version number (sluice flag history shows them)');
    const view = await deps.flags.revert(name, env, key, to, principalOf(req).name);
    await auditor.recordNow(req, `${name}/${env} flag ${key} version ${view.version} (back to ${to})`);
    return view;
  });
}
