// Flag rollouts over the API (docs/flags.md, "Flag rollouts"): the current or last rollout of a
// flag and the list of its rollouts (viewer); start, abort, promote (deployer, one environment,
// audited). A rollout has the shape of `GET …/rollout` (DESIGN.md) with strategy 'flag'.
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { InvalidInputError } from '../errors.ts';
import type { FlagRolloutService } from '../engine/flags/flag-rollout-service.ts';
import type { ApiAuditor } from './audit-hook.ts';
import { principalOf } from './request-guard.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface FlagRolloutApiDeps {
  assertEnvironment(project: string, environment: string): Promise<void>;
  rollouts: Pick<FlagRolloutService, 'start' | 'status' | 'list' | 'abort' | 'promote'>;
}

type Params = { name: string; env: string; key: string };
const path = '/api/projects/:name/environments/:env/flags/:key/rollout';


export function registerFlagRolloutRoutes(app: FastifyInstance, deps: FlagRolloutApiDeps, auditor: ApiAuditor): void {
  const flagSchemas = lazySchemas(() => import('./schemas/flag-schemas.ts'));
  app.get<{ Params: Params }>(path, { schema: { summary: "A flag's current or last rollout", params: flagSchemas.flagParams, response: { 200: flagSchemas.flagRolloutSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertEnvironment(req.params.name, req.params.env);
    return deps.rollouts.status(req.params.name, req.params.env, req.params.key);
  });

  // A list, empty when there is none: the dashboard asks on every view of a flag, and a 404 there
  // would be an error in the browser's console for an ordinary state.
  app.get<{ Params: Params }>(`${path}s`, { schema: { summary: "A flag's rollouts, newest first (the last 20)", params: flagSchemas.flagParams, response: { 200: flagSchemas.flagRolloutListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await deps.assertEnvironment(req.params.name, req.params.env);
    return deps.rollouts.list(req.params.name, req.params.env, req.params.key);
  });

  app.post<{ Params: Params }>(path, { schema: { summary: 'Start a flag rollout guarded by live analysis', params: flagSchemas.flagParams, body: flagSchemas.flagRolloutStartSchema, response: { 200: flagSchemas.flagRolloutSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { name, env, key } = req.params;
    await deps.assertEnvironment(name, env);
    const parsed = (await flagSchemas.flagRolloutStartSchema.load()).safeParse(req.body ?? {});
    if (!parsed.success) throw new InvalidInputError('expected {variant, steps: "5,25,50,100", pause?: "1m", analysis?: "maxErrorRate=1%,maxP99=500ms"}');
    const view = await deps.rollouts.start(name, env, key, parsed.data, principalOf(req).name);
    await auditor.recordNow(req, `${name}/${env} flag ${key} rollout of ${view.variant} (${view.steps.join(',')}%)`);
    return view;
  });

  app.post<{ Params: Params }>(`${path}/abort`, { schema: { summary: 'Abort a flag rollout: the flag serves what it did before', params: flagSchemas.flagParams, response: { 200: flagSchemas.flagRolloutSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { name, env, key } = req.params;
    await deps.assertEnvironment(name, env);
    const view = await deps.rollouts.abort(name, env, key, principalOf(req).name);
    await auditor.recordNow(req, `${name}/${env} flag ${key} rollout aborted`);
    return view;
  });

  app.post<{ Params: Params }>(`${path}/promote`, { schema: { summary: 'Move a flag rollout to its next step (or all the way with full)', params: flagSchemas.flagParams, body: flagSchemas.flagRolloutPromoteSchema, response: { 200: flagSchemas.flagRolloutSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { name, env, key } = req.params;
    await deps.assertEnvironment(name, env);
    const full = (req.body as { full?: unknown } | undefined)?.full === true;
    const view = await deps.rollouts.promote(name, env, key, full);
    await auditor.recordNow(req, `${name}/${env} flag ${key} rollout promoted${full ? ' (full)' : ''}`);
    return view;
  });
}
