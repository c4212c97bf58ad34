// What every evaluation endpoint serves for one environment: the flags of its live release with
// the environment's run-time changes (`sluice flag set`) applied. The control plane computes it
// and publishes it; the data plane keeps the last one on disk and evaluates from it alone.
import { z } from 'zod';
import { flagDefinitionSchema, type FlagDefinition } from './flag-definition.ts';

export interface EnvironmentFlags {
  project: string;
  environment: string;
  /** Grows with every change (a deploy or a `sluice flag` command): the bulk ETag's basis. */
  version: number;
  /** flagd's `flags` object, run-time changes applied. Archived flags are not in it. */
  flags: Record<string, FlagDefinition>;
  /** flagd's shared targeting rules (`$evaluators`), referenced by `$ref`. */
  evaluators: Record<string, unknown>;
  /** Keys of flags that browsers' public key may evaluate (`client: true` in the file). */
  clientFlags: string[];
  /** Keys removed from the file: evaluating one answers FLAG_NOT_FOUND (the code default). */
  archived: string[];
  /**
   * Keys of flags under a flag rollout (`sluice flag rollout`): the router attributes every
   * request of the environment's hosts to the variant its user gets, for the rollout's analysis.
   * Absent: none (state written before flag rollouts existed).
   */
  attributed?: string[];
}

export const environmentFlagsSchema: z.ZodType<EnvironmentFlags> = z.object({
  project: z.string().min(1),
  environment: z.string().min(1),
  version: z.number().int().min(0),
  flags: z.record(z.string(), flagDefinitionSchema),
  evaluators: z.record(z.string(), z.unknown()),
  clientFlags: z.array(z.string()),
  archived: z.array(z.string()),
  attributed: z.array(z.string()).optional(),
});
