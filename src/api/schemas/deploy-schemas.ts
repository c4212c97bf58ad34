// Releases and rollouts of an environment (src/api/views.ts releaseView, rolloutView), and the
// requests that move them: rollback, promote.
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');

const secretRefSchema = z.object({ group: z.string(), key: z.string(), version: z.number().int() });

const releaseChangesSchema = z
  .object({
    added: z.array(z.string()).describe('SERVICE.KEY (env, start, instances) new in this release'),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    secrets: z.array(z.object({ key: z.string(), group: z.string(), from: z.number().int().nullable(), to: z.number().int().nullable() })).describe('secret versions that changed (null: absent)'),
    commits: z.object({ from: z.string().nullable(), to: z.string() }).optional().describe('the commit range: the release before (null: none) to this one'),
  })
  .describe('what changed since the release before (never secret values)');
export type ReleaseChangesJson = z.output<typeof releaseChangesSchema>;

export const releaseSchema = z
  .object({
    number: z.number().int(),
    commit: z.string(),
    artifact: z.string(),
    image: z.string().optional().describe('the OCI image pushed for the release (REPO:rN@sha256:…), when the project has `image:`'),
    createdAt: time,
    state: z.string(),
    rolledBackFrom: z.number().int().optional(),
    run: z.number().int().optional().describe('the number of the run that made it'),
    reason: z.string().optional(),
    config: z
      .looseObject({
        services: z.array(z.looseObject({ name: z.string() })),
        secretRefs: z.array(secretRefSchema).optional().describe('the secret versions the release runs with'),
        secretGroups: z.array(z.string()).optional(),
      })
      .describe('services, secret references (never values), domains'),
    changes: releaseChangesSchema,
  })
  .meta({ id: 'Release' });
export type ReleaseJson = z.output<typeof releaseSchema>;
export const releaseListSchema = z.array(releaseSchema);

export const rolloutDecisionSchema = z
  .looseObject({
    at: time,
    step: z.union([z.number().int(), z.literal('bake')]).describe('the step it judged (0-based), or the bake'),
    metric: z.string(),
    verdict: z.enum(['pass', 'fail', 'inconclusive']),
    samples: z.object({ canary: z.number(), baseline: z.number() }),
    statistic: z.number().nullable(),
    pValue: z.number().nullable(),
    threshold: z.number().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'RolloutDecision', description: 'one analysis verdict with its figures' });
export type RolloutDecisionJson = z.output<typeof rolloutDecisionSchema>;

export const rolloutSchema = z
  .object({
    strategy: z.string().describe('rolling, canary, blueGreen, …'),
    state: z.string(),
    phase: z.string(),
    step: z.number().int(),
    steps: z.array(z.looseObject({ weight: z.number(), pauseMs: z.number().nullable() })).optional().describe('canary: the weight (percent) of each step'),
    stepStartedAt: time.nullable().optional().describe('when the current step began'),
    release: z.number().int(),
    stable: z.number().int().nullable(),
    weights: z.looseObject({ stable: z.number(), canary: z.number(), baseline: z.number() }).describe('percent of requests per side'),
    decisions: z.array(rolloutDecisionSchema),
    reason: z.string().optional(),
    abortRequested: time.optional(),
    bakeUntil: time.optional(),
    bakeMs: z.number(),
    createdAt: time,
    updatedAt: time,
    finishedAt: time.nullable(),
  })
  .meta({ id: 'Rollout' });
export type RolloutJson = z.output<typeof rolloutSchema>;

export const rollbackBodySchema = z
  .object({ to: z.number({ error: 'to must be a release number' }).int('to must be a release number').positive('to must be a release number').nullish().describe('release number (default: the one before)') })
  .meta({ id: 'RollbackRequest' });
export const promoteBodySchema = z.object({ full: z.boolean({ error: 'full must be true or false' }).optional().describe('skip the remaining steps') }).meta({ id: 'PromoteRequest' });

export const renderQuerySchema = z.object({
  release: z.string().regex(/^\d+$/, 'release must be a release number').optional().describe('release number; default: the one rolling out, else the live one'),
  gateway: z.string().optional().describe('NAMESPACE/NAME of the Gateway the HTTPRoutes attach to; default: the server’s --gateway, else sluice-system/sluice'),
});
export const renderSchema = z
  .object({
    release: z.number().int(),
    weights: z.record(z.string(), z.number()).describe('each release’s share (0…100) on the routes, at the rollout’s current step'),
    manifests: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) })),
    yaml: z.string().describe('the manifests as multi-document YAML (secret values never included)'),
  })
  .meta({ id: 'RenderedRelease' });
