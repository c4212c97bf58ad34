// Runs: what GET /api/runs/:id, the run lists and the run actions answer (src/api/views.ts runView).
import { z } from 'zod';
import { optionalText } from './common-schemas.ts';

const time = z.string().describe('ISO 8601 time');

export const stepSchema = z
  .object({ name: z.string(), state: z.string(), exitCode: z.number().int().nullable(), startedAt: time.nullable(), finishedAt: time.nullable(), reason: z.string().optional() })
  .meta({ id: 'Step' });

export const stageSchema = z
  .object({
    name: z.string(),
    state: z.string(),
    startedAt: time.nullable(),
    finishedAt: time.nullable(),
    reason: z.string().optional(),
    /** Only in the answers about one run. */
    steps: z.array(stepSchema).optional(),
  })
  .meta({ id: 'Stage' });

export const runSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    project: z.string(),
    commit: z.string(),
    branch: z.string(),
    ref: z.string(),
    author: z.string(),
    message: z.string(),
    state: z.string().describe('queued, running, waiting, succeeded, failed, cancelled, superseded, …'),
    trigger: z.string(),
    reason: z.string().optional(),
    artifact: z.string().nullable(),
    image: z.string().optional().describe('the OCI image the build pushed (REPO:rN@sha256:…), when the project has `image:`'),
    attempt: z.number().int(),
    createdAt: time,
    startedAt: time.nullable(),
    finishedAt: time.nullable(),
    triggeredBy: z.string().optional(),
    approvedBy: z.string().optional(),
    approvedAt: time.nullable().optional(),
    pullRequest: z.number().int().optional(),
    fromFork: z.boolean().optional(),
    stages: z.array(stageSchema),
  })
  .meta({ id: 'Run' });
export type RunJson = z.output<typeof runSchema>;
export type StageJson = z.output<typeof stageSchema>;

export const runListSchema = z.array(runSchema);

export const triggerBodySchema = z.object({ ref: optionalText('ref').describe('branch, tag or commit (default: the project branch)') }).meta({ id: 'TriggerRequest' });
export const rejectBodySchema = z.object({ reason: optionalText('reason') }).meta({ id: 'RejectRequest' });
export const cancelBodySchema = z.object({ reason: optionalText('reason') }).meta({ id: 'CancelRequest' });
export const runsQuerySchema = z.object({ limit: z.string().optional().describe('1-500, default 50') });
