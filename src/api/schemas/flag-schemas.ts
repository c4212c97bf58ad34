// Feature flags of one environment (shapes in docs/flags.md; src/engine/flags/flag-views.ts) and
// the environment's public flag key.
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');
const flagState = z.enum(['ENABLED', 'DISABLED']);

export const flagDefinitionSchema = z
  .looseObject({
    state: flagState,
    variants: z.record(z.string(), z.unknown()),
    defaultVariant: z.string().nullable(),
    targeting: z.record(z.string(), z.unknown()).optional().describe('JSONLogic, as in flagd'),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .meta({ id: 'FlagDefinition' });

export const flagOverrideSchema = z
  .looseObject({ state: flagState.optional(), defaultVariant: z.string().optional(), targeting: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'FlagOverride' });

export const flagSchema = z
  .looseObject({
    key: z.string(),
    type: z.enum(['boolean', 'string', 'number', 'object']),
    archived: z.boolean(),
    archivedAt: time.nullable(),
    client: z.boolean(),
    definition: flagDefinitionSchema,
    override: flagOverrideSchema.nullable(),
    served: flagDefinitionSchema.nullable(),
  })
  .meta({ id: 'Flag' });
export type FlagJson = z.output<typeof flagSchema>;

export const flagListSchema = z
  .looseObject({ project: z.string(), environment: z.string(), version: z.number().int(), release: z.number().int().nullable(), flags: z.array(flagSchema) })
  .meta({ id: 'FlagList' });
export type FlagListJson = z.output<typeof flagListSchema>;

/** One flag with the environment's version (GET); after a change, also whether it is published. */
export const flagDetailSchema = flagSchema
  .extend({ project: z.string().optional(), environment: z.string().optional(), version: z.number().int(), release: z.number().int().nullable().optional(), published: z.boolean().optional() })
  .meta({ id: 'FlagDetail' });
export type FlagDetailJson = z.output<typeof flagDetailSchema>;

const flagSnapshotSchema = z.object({ definition: flagDefinitionSchema.nullable(), override: flagOverrideSchema.nullable(), archived: z.boolean() }).meta({ id: 'FlagSnapshot' });

export const flagChangeSchema = z
  .looseObject({
    project: z.string(),
    environment: z.string(),
    key: z.string(),
    version: z.number().int(),
    at: time,
    actor: z.string(),
    action: z.string(),
    release: z.number().int().nullable(),
    before: flagSnapshotSchema,
    after: flagSnapshotSchema,
    summary: z.string(),
  })
  .meta({ id: 'FlagChange' });
export type FlagChangeJson = z.output<typeof flagChangeSchema>;
export const flagHistorySchema = z.array(flagChangeSchema);

const flagCommandMessage = 'expected {kind: on|off|enable|disable} or {kind: "variant", variant} or {kind: "percent", percent, variant?}';
/** PUT …/flags/:key. Any refusal gives the one message that lists the forms (x-refusal). */
export const flagCommandBodySchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.enum(['on', 'off', 'enable', 'disable']) }),
    z.strictObject({ kind: z.literal('variant'), variant: z.string().min(1) }),
    z.strictObject({ kind: z.literal('percent'), percent: z.number(), variant: z.string().min(1).optional() }),
  ])
  .meta({ id: 'FlagCommand', 'x-refusal': flagCommandMessage });
export const flagRevertBodySchema = z
  .object({ to: z.number({ error: 'to must be a version number (sluice flag history shows them)' }).int('to must be a version number (sluice flag history shows them)').min(0, 'to must be a version number (sluice flag history shows them)') })
  .meta({ id: 'FlagRevertRequest' });
export const flagHistoryQuerySchema = z.object({ limit: z.string().optional().describe('1-1000, default 100') });

export const flagKeysSchema = z.object({ project: z.string(), environment: z.string(), clientKey: z.string(), ofrepPath: z.string() }).meta({ id: 'FlagKeys' });
export type FlagKeysJson = z.output<typeof flagKeysSchema>;
export const flagParams = z.object({ name: z.string().describe('project name'), env: z.string().describe('environment name'), key: z.string().describe('flag key') });
export type FlagDefinitionJson = z.output<typeof flagDefinitionSchema>;

const flagRolloutStartMessage = 'expected {variant, steps: "5,25,50,100", pause?: "1m", analysis?: "maxErrorRate=1%,maxP99=500ms"}';
/** POST …/flags/:key/rollout. Any refusal gives the one message that lists the fields (x-refusal). */
export const flagRolloutStartSchema = z
  .strictObject({
    variant: z.string().min(1).describe('the variant rolled out'),
    steps: z.union([z.string(), z.array(z.number())]).describe('percentages, increasing, the last 100: "5,25,50,100"'),
    pause: z.string().optional().describe('time at each step before the next (e.g. 1m)'),
    analysis: z.string().optional().describe('maxErrorRate=1%,maxP99=500ms'),
  })
  .meta({ id: 'FlagRolloutRequest', 'x-refusal': flagRolloutStartMessage });
export const flagRolloutPromoteSchema = z.object({ full: z.boolean({ error: 'full must be true or false' }).optional().describe('serve the variant to everyone at once') }).meta({ id: 'FlagRolloutPromoteRequest' });

/** A flag rollout: the shape of GET …/rollout (strategy 'flag'; the variant's share is the canary weight) and its own fields. */
export const flagRolloutSchema = z
  .object({
    id: z.string(),
    strategy: z.literal('flag'),
    project: z.string(),
    environment: z.string(),
    flag: z.string(),
    variant: z.string(),
    state: z.string().describe('progressing, paused, promoted, aborted'),
    phase: z.string(),
    step: z.number().int().describe('index into steps'),
    steps: z.array(z.number()),
    pauseMs: z.number(),
    analysis: z.unknown().describe('the analysis plan, or null'),
    weights: z.object({ stable: z.number(), canary: z.number(), baseline: z.number() }),
    decisions: z.array(z.looseObject({ at: z.string(), metric: z.string(), verdict: z.string(), reason: z.string() })),
    reason: z.string().nullable(),
    startedBy: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'FlagRollout' });
export type FlagRolloutJson = z.output<typeof flagRolloutSchema>;
export const flagRolloutListSchema = z.array(flagRolloutSchema);
