// The raw shape of sluice.yaml, as written by people. Strict objects: an unknown key is an
// error, so a misspelt key never silently falls back to a default. Defaults and unit
// conversion happen later, in compile-spec.ts; this schema stays close to the text so that
// its JSON Schema (for editors) says what a person may write.
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.ts';
import { PERCENT_PATTERN } from './percent.ts';
import { ENV_VAR_NAME, SECRET_GROUP_NAME } from './names.ts';

export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export { ENV_VAR_NAME, SECRET_GROUP_NAME };

const dnsLabel = (what: string) =>
  z.string().regex(DNS_LABEL, {
    error: `is not a valid ${what} name: use lowercase letters, digits and "-" (a DNS label of at most 63 characters)`,
  });

export const durationSchema = z.union(
  [
    z.string().regex(DURATION_PATTERN, { error: 'expected a duration such as 500ms, 30s, 10m, 2h, 1d or 1m30s' }),
    z.number().min(0, { error: 'expected a duration of 0 seconds or more' }),
  ],
  { error: 'expected a duration such as 500ms, 30s, 10m, 2h, 1d, 1m30s or a number of seconds' },
);

export const percentSchema = z.union(
  [
    z
      .string()
      .regex(PERCENT_PATTERN, { error: 'expected a percentage such as 1% or 0.5%' })
      .refine((text) => Number(text.replace('%', '')) <= 100, { error: 'expected a percentage from 0% to 100%' }),
    z.number().min(0).max(1, { error: 'expected a fraction from 0 to 1 (or a percentage such as 1%)' }),
  ],
  { error: 'expected a percentage such as 1% or a fraction from 0 to 1' },
);

// A YAML plain scalar `run: true` is a boolean, yet means the shell command `true`.
const commandSchema = z.union(
  [z.string().trim().min(1, { error: 'must not be empty' }), z.number(), z.boolean()],
  { error: 'expected a shell command' },
);

const envValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean value',
});

export const envSchema = z
  .record(
    z.string().regex(ENV_VAR_NAME, { error: 'is not a valid environment variable name (letters, digits, "_")' }),
    envValueSchema,
  )
  .describe('Environment variables; values are given to processes as strings.');

const secretGroupsSchema = z.array(
  z.string().regex(SECRET_GROUP_NAME, { error: 'is not a valid secret group name (letters, digits, "_", ".", "-")' }),
);

export const stepSchema = z.strictObject({
  run: commandSchema.describe('Shell command, run with /bin/sh -c.'),
  name: z.string().min(1, { error: 'must not be empty' }).optional().describe('Shown in logs; defaults to the start of `run`.'),
  timeout: durationSchema.optional().describe('Stop the step after this long (default 10m).'),
  env: envSchema.optional(),
});

const healthPathSchema = z.string().regex(/^\//, { error: 'expected a path starting with /' });

export const healthSchema = z.union(
  [
    healthPathSchema,
    z.strictObject({
      path: healthPathSchema,
      interval: durationSchema.optional().describe('Time between checks (default 1s).'),
      timeout: durationSchema.optional().describe('Time one check may take (default 2s).'),
      deadline: durationSchema.optional().describe('Time an instance has to become healthy (default 60s).'),
    }),
  ],
  { error: 'expected a path starting with / or a map {path, interval, timeout, deadline}' },
);

export const serviceSchema = z.strictObject({
  start: commandSchema.describe('Shell command that starts one instance; PORT is given in the environment.'),
  health: healthSchema.optional().describe('HTTP path answered with 2xx when an instance is ready.'),
  instances: z
    .number({ error: 'expected an integer from 1 to 100' })
    .int({ error: 'expected an integer from 1 to 100' })
    .min(1, { error: 'expected an integer from 1 to 100' })
    .max(100, { error: 'expected an integer from 1 to 100' })
    .optional()
    .describe('Number of instances (default 1).'),
  env: envSchema.optional(),
});

export const analysisSchema = z.strictObject({
  maxErrorRate: percentSchema.optional().describe('Highest share of 5xx answers, e.g. 1%.'),
  maxP99: durationSchema.optional().describe('Highest 99th percentile latency, e.g. 500ms.'),
  minSamples: z.number().int().min(0).optional().describe('Requests needed before a verdict (default 20).'),
  interval: durationSchema.optional().describe('Time between two analyses (default 10s).'),
  alpha: z
    .number({ error: 'expected a probability between 0 and 0.5' })
    .gt(0, { error: 'expected a probability between 0 and 0.5' })
    .max(0.5, { error: 'expected a probability between 0 and 0.5' })
    .optional()
    .describe('False-alarm budget of each comparison over all checks of a step (default 0.005).'),
});

const canaryStepSchema = z.strictObject({
  weight: z
    .number({ error: 'expected a number from 1 to 100' })
    .min(1, { error: 'expected a number from 1 to 100' })
    .max(100, { error: 'expected a number from 1 to 100' })
    .describe('Percentage of requests sent to the new release.'),
  pause: z
    .union([durationSchema, z.strictObject({})], { error: 'expected a duration, or {} to wait for a person' })
    .optional()
    .describe('Time to hold this weight; {} waits for a person (sluice promote).'),
});

const canarySchema = z.strictObject({
  steps: z
    .array(canaryStepSchema)
    .min(1, { error: 'expected at least one canary step' })
    .superRefine((steps, ctx) => {
      for (let i = 1; i < steps.length; i++) {
        const before = steps[i - 1]?.weight;
        const weight = steps[i]?.weight;
        // An out-of-range weight has its own error already.
        if (inRange(before) && inRange(weight) && weight <= before) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'weight'],
            message: `canary weights must go up: ${weight} follows ${before}`,
          });
        }
      }
    }),
  analysis: analysisSchema.optional().describe('Applies through all steps.'),
  sticky: z.boolean().optional().describe('A cookie keeps each user on the release that first answered them (default false).'),
});

function inRange(weight: unknown): weight is number {
  return typeof weight === 'number' && weight >= 1 && weight <= 100;
}

const rollingSchema = z.strictObject({
  maxSurge: z.number().int().min(0).optional().describe('Extra instances during the rollout (default 1).'),
  maxUnavailable: z.number().int().min(0).optional().describe('Instances that may be missing (default 0).'),
});

const blueGreenSchema = z.strictObject({
  scaleDownDelay: durationSchema.optional().describe('Keep the old release this long after the switch (default 10m).'),
  analysis: analysisSchema.optional(),
});

const STRATEGY_KINDS = ['rolling', 'blueGreen', 'canary'] as const;

export const strategySchema = z.union(
  [
    z.literal('rolling', { error: 'expected "rolling" or a map with one of rolling, blueGreen, canary' }),
    z
      .strictObject({
        rolling: rollingSchema.nullable().optional(),
        blueGreen: blueGreenSchema.nullable().optional(),
        canary: canarySchema.optional(),
      })
      .refine((value) => STRATEGY_KINDS.filter((kind) => value[kind] !== undefined).length === 1, {
        error: 'expected exactly one of rolling, blueGreen, canary',
      }),
  ],
  { error: 'expected "rolling" or a map with one of rolling, blueGreen, canary' },
);

export const environmentSchema = z.strictObject({
  secrets: secretGroupsSchema.optional().describe('Secret groups; every key becomes an env var; later groups win.'),
  env: envSchema.optional(),
  verify: z.array(stepSchema).optional().describe('Steps run against the deployed environment ($SLUICE_URL).'),
  approval: z.boolean().optional().describe('true: a person releases into this environment (default false).'),
  strategy: strategySchema.optional().describe('How a new release replaces the old one (default rolling).'),
  bake: durationSchema.optional().describe('Watch after promotion and roll back on breach (default 0: no bake).'),
});

export const previewsSchema = z.strictObject({
  pullRequests: z.boolean().optional().describe('Deploy each open pull request to its own environment.'),
  secrets: secretGroupsSchema.optional(),
  ttl: durationSchema.optional().describe('Remove a preview this long after its last change (default 48h).'),
  scaleToZero: durationSchema.optional().describe('Stop idle instances after this long; start them on a request.'),
  env: envSchema.optional(),
});

export const triggersSchema = z.strictObject({
  branches: z.array(z.string().min(1)).optional().describe('Branches that start runs (default: the project branch).'),
  paths: z.array(z.string().min(1)).optional().describe('Only run when a changed file matches one of these globs.'),
  tags: z.array(z.string().min(1)).optional().describe('Tag patterns that start runs.'),
});

export const rawSpecSchema = z.strictObject({
  build: z.array(stepSchema).optional().describe('Steps run with /bin/sh -c in the workspace; their output is the artifact.'),
  test: z.array(stepSchema).optional().describe('Steps run in a fresh unpack of the artifact.'),
  services: z
    .record(dnsLabel('service'), serviceSchema)
    .optional()
    .describe('Long-running processes; the first one is served by the router.'),
  buildSecrets: secretGroupsSchema.optional().describe('Secret groups given to build steps.'),
  environments: z
    .record(dnsLabel('environment'), environmentSchema)
    .optional()
    .describe('Deploy targets, in deploy order.'),
  previews: previewsSchema.optional().describe('Preview environments for pull requests.'),
  triggers: triggersSchema.optional(),
});

export type RawSpec = z.output<typeof rawSpecSchema>;
export type RawStep = z.output<typeof stepSchema>;
export type RawAnalysis = z.output<typeof analysisSchema>;
export type RawStrategy = z.output<typeof strategySchema>;
