// The rollout strategy of an environment in sluice.yaml (rolling, blueGreen, canary) and the live
// analysis a canary or a flag rollout runs. Built on call, like the rest of the pipeline file's
// schema (schema.ts); a flag rollout's --analysis builds only analysisSchemaOf().
import { z } from 'zod';
import { COUNT_LIMITS, DURATION_LIMITS } from './limits.ts';
import { bounded, countSchema, durationSchema, percentSchemaOf } from './schema-parts.ts';

export const BLUE_GREEN_ANALYSIS_REFUSED =
  'not supported under blueGreen: green is checked by verify before the switch and by bake after it; use canary to compare a new release with the stable one';

/** Live analysis: thresholds of a release (or a flag's cohort) against the stable one. */
export function analysisSchemaOf() {
  const percentSchema = percentSchemaOf();
  return z.strictObject({
    maxErrorRate: percentSchema.optional().describe('Highest share of 5xx answers, e.g. 1%.'),
    maxP99: durationSchema(DURATION_LIMITS.maxP99).optional().describe(bounded(DURATION_LIMITS.maxP99, 'Highest 99th percentile latency, e.g. 500ms.')),
    minSamples: countSchema(1, COUNT_LIMITS.minSamples)
      .optional()
      .describe(`Requests needed before a verdict (default 20, from 1 to ${COUNT_LIMITS.minSamples}).`),
    interval: durationSchema(DURATION_LIMITS.analysisInterval).optional().describe(bounded(DURATION_LIMITS.analysisInterval, 'Time between two analyses (default 10s).')),
    alpha: z
      .number({ error: 'expected a probability between 0 and 0.5' })
      .gt(0, { error: 'expected a probability between 0 and 0.5' })
      .max(0.5, { error: 'expected a probability between 0 and 0.5' })
      .optional()
      .describe('False-alarm budget of each comparison over all checks of a step (default 0.005).'),
  });
}

/** The strategy of an environment, and the analysis schema its canary uses. */
export function strategySchemas() {
  const analysisSchema = analysisSchemaOf();
  const canaryStepSchema = z.strictObject({
    weight: z
      .number({ error: 'expected a number from 1 to 100' })
      .min(1, { error: 'expected a number from 1 to 100' })
      .max(100, { error: 'expected a number from 1 to 100' })
      .describe('Percentage of requests sent to the new release.'),
    pause: z
      .union([durationSchema(DURATION_LIMITS.canaryPause), z.strictObject({})], { error: 'expected a duration, or {} to wait for a person' })
      .optional()
      .describe(bounded(DURATION_LIMITS.canaryPause, 'Time to hold this weight; {} waits for a person (sluice promote).')),
  });

  const canarySchema = z.strictObject({
    steps: z
      .array(canaryStepSchema)
      .min(1, { error: 'expected at least one canary step' })
      .max(COUNT_LIMITS.canarySteps, { error: `expected at most ${COUNT_LIMITS.canarySteps} canary steps` })
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

  const rollingSchema = z
    .strictObject({
      maxSurge: countSchema(0, COUNT_LIMITS.maxSurge)
        .optional()
        .describe('Instances started beyond `instances` during the rollout, in parallel (default: all of them at once).'),
      maxUnavailable: countSchema(0, COUNT_LIMITS.maxUnavailable)
        .optional()
        .describe('Instances below `instances` that may be missing during the rollout (default 0).'),
    })
    .refine((r) => (r.maxSurge ?? 1) > 0 || (r.maxUnavailable ?? 0) > 0, {
      error: 'maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance',
    });

  const blueGreenSchema = z.strictObject({
    scaleDownDelay: durationSchema(DURATION_LIMITS.scaleDownDelay)
      .optional()
      .describe(bounded(DURATION_LIMITS.scaleDownDelay, 'Keep the old release this long after the switch (default 10m).')),
    // Refused rather than ignored: nothing would judge green after the switch (docs/decisions/0009).
    analysis: z
      .never({ error: BLUE_GREEN_ANALYSIS_REFUSED })
      .optional()
      .describe(`Refused by sluice validate: ${BLUE_GREEN_ANALYSIS_REFUSED}.`),
  });

  const STRATEGY_KINDS = ['rolling', 'blueGreen', 'canary'] as const;

  const strategySchema = z.union(
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
  return { analysisSchema, strategySchema };
}
