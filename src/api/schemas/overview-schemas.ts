// GET /api/overview: what the dashboard's Overview shows, for every project the caller sees, in
// one answer. Imports zod only (through its siblings), so that the web UI can use the types.
import { z } from 'zod';
import { environmentStatusSchema, projectSchema } from './project-schemas.ts';
import { trafficSchema } from './live-schemas.ts';

const runRef = z.object({ id: z.string(), number: z.number().int(), state: z.string(), message: z.string() });

export const overviewEnvironmentSchema = environmentStatusSchema
  .extend({ run: runRef.nullable().describe("the run that built the live release, when it is among the project's 10 newest runs") })
  .meta({ id: 'OverviewEnvironment' });
export type OverviewEnvironmentJson = z.output<typeof overviewEnvironmentSchema>;

export const overviewProjectSchema = z
  .object({
    project: projectSchema,
    dataPlane: z.enum(['up', 'down']),
    lastRun: runRef.nullable(),
    environments: z.array(overviewEnvironmentSchema).describe('environments other than previews'),
    previews: z.array(overviewEnvironmentSchema).describe('pull request previews (pr-N)'),
    traffic: trafficSchema.shape.environments,
  })
  .meta({ id: 'OverviewProject' });
export type OverviewProjectJson = z.output<typeof overviewProjectSchema>;

export const overviewSchema = z.object({ intervalMs: z.number().int(), projects: z.array(overviewProjectSchema) }).meta({ id: 'Overview' });
export type OverviewJson = z.output<typeof overviewSchema>;

export const overviewQuerySchema = z.object({ project: z.string().optional().describe('only this project (default: every project the caller sees)') });
