// The dashboard's live stream (GET /api/stream) and traffic history (GET /api/projects/:name/traffic).
// Imports zod only, so that the web UI can bundle these modules (it uses the z.output types).
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');

export const trafficSampleSchema = z
  .object({ at: time, rps: z.number().describe('requests per second over the interval'), errorRate: z.number().nullable().describe('5xx / all over the interval; null without requests') })
  .meta({ id: 'TrafficSample' });
export type TrafficSampleJson = z.output<typeof trafficSampleSchema>;

export const trafficSchema = z
  .object({
    project: z.string(),
    intervalMs: z.number().int(),
    environments: z.array(z.object({ environment: z.string(), samples: z.array(trafficSampleSchema).describe('oldest first') })),
  })
  .meta({ id: 'Traffic' });
export type TrafficJson = z.output<typeof trafficSchema>;

const base = { seq: z.number().int(), at: time, project: z.string() };
export const liveChangeSchema = z
  .discriminatedUnion('kind', [
    z.object({ ...base, kind: z.literal('project') }),
    z.object({ ...base, kind: z.literal('run'), run: z.object({ id: z.string(), number: z.number().int().nullable(), state: z.string().nullable() }) }),
    z.object({ ...base, kind: z.literal('environment'), environment: z.string() }),
    z.object({ ...base, kind: z.literal('flag'), environment: z.string() }),
    z.object({ ...base, kind: z.literal('event'), environment: z.string().nullable(), event: z.object({ kind: z.string(), summary: z.string(), seq: z.number().int() }) }),
    z.object({ ...base, kind: z.literal('traffic'), samples: z.array(trafficSampleSchema.extend({ environment: z.string() })) }),
  ])
  .meta({ id: 'LiveChange', description: 'data of a `change` event of GET /api/stream: what changed (re-read it through the API); traffic carries its samples' });
export type LiveChangeJson = z.output<typeof liveChangeSchema>;

export const streamQuerySchema = z.object({
  project: z.string().optional().describe('only this project (default: every project the caller sees)'),
  after: z.string().optional().describe('resume after this event id (as Last-Event-ID; for clients that cannot set the header)'),
});

export const liveStreamSchema = z
  .string()
  .describe(
    'Server-Sent Events. `change` events (a LiveChange as data, `BOOT:SEQ` as id); `ready` once caught up ({boot, seq}); `reset` when changes were missed (a reconnect past what the server keeps, a restart, a client too slow to read, the relay to other servers sharing the PostgreSQL store interrupted): re-read everything. Reconnect with Last-Event-ID to resume. Heartbeat comments every 15 s.',
  );
