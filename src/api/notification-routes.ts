// The delivery log of a project's notifications: one entry per event and target, the target
// shown by its host only (a URL may carry a token; a secret URL is never shown resolved).
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { InvalidInputError } from '../errors.ts';
import { errorResponses, projectParams } from './schemas/common-schemas.ts';
import type { DeliveryLogEntry } from '../notifications/delivery-record.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface NotificationApiDeps {
  /** Throws NotFoundError for an unknown project. */
  assertProject(project: string): Promise<void>;
  /** `environments`: only deliveries of events in these (a token limited to environments). */
  deliveries(project: string, limit: number, environments?: readonly string[]): Promise<DeliveryLogEntry[]>;
  /** The project's Standard Webhooks secret (created on first use). */
  signingSecretOf(project: string): Promise<string>;
}

export function deliveryView(d: DeliveryLogEntry): Record<string, unknown> {
  return {
    event: { kind: d.kind, id: d.eventId },
    environment: d.environment,
    target: d.targetHost,
    format: d.format,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/notifications', { schema: { summary: 'The delivery log of notifications', params: projectParams, querystring: observeSchemas.limitQuerySchema, response: { 200: observeSchemas.deliveryListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const project = req.params.name!;
    await deps.assertProject(project);
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidInputError(`limit must be an integer from 1 to 1000, got ${JSON.stringify(req.query.limit)}`);
    // A token limited to environments sees the deliveries of its environments' events only.
    return (await deps.deliveries(project, limit, req.principal?.environments ?? undefined)).map(deliveryView);
  });
}
