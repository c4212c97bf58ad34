// What a project shows of its running: logs, alerts, custom domains, notification deliveries,
// DORA keys, Prometheus metrics; and the webhook receivers' answer.
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');

export const logEntrySchema = z
  .object({
    id: z.number().int(),
    at: time,
    source: z.enum(['step', 'deploy', 'instance', 'router']),
    project: z.string(),
    environment: z.string().nullable(),
    release: z.number().int().nullable(),
    runId: z.string().nullable(),
    stepId: z.string().nullable(),
    service: z.string().nullable(),
    instance: z.string().nullable(),
    stream: z.enum(['stdout', 'stderr', 'event', 'access']),
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).nullable(),
    line: z.string(),
  })
  .meta({ id: 'LogEntry' });
export type LogEntryJson = z.output<typeof logEntrySchema>;
export const logPageSchema = z
  .object({ entries: z.array(logEntrySchema), next: z.number().int().nullable().describe('pass as `before` for the older page'), warning: z.string().optional() })
  .meta({ id: 'LogPage' });
/** Without search parameters: the lines oldest first; with them: a page newest first; with follow=1: an SSE stream of `line` events. */
export const logAnswerSchema = z.union([z.array(logEntrySchema), logPageSchema]);
const logQueryValue = z.string().optional();
/** Loose: an unknown parameter gets the handler's own refusal, which lists the known ones. */
export const logQuerySchema = z.looseObject({
  q: logQueryValue.describe('words, "phrases", -exclusions'),
  since: logQueryValue,
  until: logQueryValue,
  release: logQueryValue,
  service: logQueryValue,
  instance: logQueryValue,
  level: logQueryValue,
  stream: logQueryValue,
  source: logQueryValue,
  before: logQueryValue.describe('the `next` of the page before'),
  limit: logQueryValue,
  tail: logQueryValue.describe('environment logs: the newest N lines (default 1000)'),
  follow: logQueryValue.describe('1: an SSE stream (text/event-stream)'),
  after: logQueryValue.describe('a log entry id: lines after it'),
});
export const sseStreamSchema = z.string().describe('Server-Sent Events: `line` events (a LogEntry as data, its id as id); a run ends with an `end` event');

export const alertSchema = z
  .looseObject({
    name: z.string(),
    environment: z.string(),
    state: z.string(),
    since: time.nullable(),
    value: z.number().nullable(),
    threshold: z.number(),
    samples: z.number(),
    lastChange: z.looseObject({ at: time, from: z.string(), to: z.string(), reason: z.string() }).nullable(),
    metric: z.string(),
    comparison: z.enum(['above', 'below']),
    forSeconds: z.number(),
    windowSeconds: z.number(),
    action: z.string(),
    release: z.number().int(),
    /** Why this server does not evaluate the alert (no traffic source); absent when it does. */
    unevaluated: z.string().optional(),
  })
  .meta({ id: 'Alert' });
export type AlertJson = z.output<typeof alertSchema>;
export const alertListSchema = z.array(alertSchema);
export const envQuerySchema = z.object({ env: z.string().optional() });

export const domainSchema = z
  .object({
    domain: z.string(),
    environment: z.string(),
    certificate: z.object({
      state: z.string(),
      notAfter: time.nullable(),
      issuer: z.string().nullable(),
      lastError: z.string().nullable(),
      source: z.enum(['acme', 'provided']),
    }),
  })
  .meta({ id: 'Domain' });
export type DomainJson = z.output<typeof domainSchema>;
export const domainListSchema = z.array(domainSchema);

export const deliverySchema = z
  .object({
    event: z.object({ kind: z.string(), id: z.string() }),
    environment: z.string().nullable(),
    target: z.string().describe('the host only'),
    format: z.string(),
    state: z.string(),
    attempts: z.number().int(),
    lastStatus: z.string().nullable(),
    nextAttemptAt: time.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'Delivery' });
export type DeliveryJson = z.output<typeof deliverySchema>;
export const deliveryListSchema = z.array(deliverySchema);
export const limitQuerySchema = z.object({ limit: z.string().optional().describe('1-1000, default 100') });

const doraKeysShape = {
  since: time,
  until: time,
  deploymentFrequency: z.object({ perDay: z.number().nullable(), deploys: z.number().int() }),
  leadTimeForChanges: z.object({ p50Seconds: z.number().nullable(), p90Seconds: z.number().nullable() }),
  changeFailureRate: z.object({ ratio: z.number().nullable(), failed: z.number().int(), total: z.number().int() }),
  timeToRestore: z.object({ p50Seconds: z.number().nullable(), incidents: z.number().int() }),
};
export const doraPeriodSchema = z.object(doraKeysShape).meta({ id: 'DoraPeriod' });
export type DoraPeriodJson = z.output<typeof doraPeriodSchema>;
export const doraSchema = z
  .object({
    project: z.string(),
    environment: z.string(),
    ...doraKeysShape,
    series: z.array(doraPeriodSchema).optional().describe('with `every`: the keys per period, oldest first'),
  })
  .meta({ id: 'DoraReport' });
export type DoraJson = z.output<typeof doraSchema>;
export const doraQuerySchema = z.object({
  env: z.string().optional().describe('default production'),
  since: z.string().optional().describe('a duration (30d) or an ISO time'),
  every: z.string().optional().describe('a period (1d, 7d): the keys per period as `series`'),
});

export const metricsTextSchema = z.string().describe('Prometheus text exposition format');

export const hookParams = z.object({ host: z.string().describe('github, gitlab, bitbucket or gitea'), project: z.string() });
export const hookAnswerSchema = z
  .object({ status: z.enum(['accepted', 'duplicate', 'ignored']), deliveryId: z.string().nullable(), reason: z.string().optional() })
  .meta({ id: 'HookAnswer' });
/** The delivery as the git host sent it: its signature covers these exact bytes, so it is not parsed before it is verified. */
export const hookBodySchema = z.unknown().describe('the git host’s JSON or form payload, verified by its signature header');
export type LogPageJson = z.output<typeof logPageSchema>;
