// The delivery log of a project's notifications: one entry per event and target, the target
// shown by its host only (a URL may carry a token; a secret URL is never shown resolved).
import type { FastifyInstance } from 'fastify';
import { need } from '../auth/permission.ts';
import { InvalidInputError } from '../errors.ts';
import type { DeliveryRecord } from '../notifications/delivery-record.ts';

export interface NotificationApiDeps {
  /** Throws NotFoundError for an unknown project. */
  assertProject(project: string): Promise<void>;
  deliveries(project: string, limit: number): Promise<DeliveryRecord[]>;
  /** The project's Standard Webhooks secret (created on first use). */
  signingSecretOf(project: string): Promise<string>;
}

export function deliveryView(d: DeliveryRecord): Record<string, unknown> {
  return {
    event: { kind: d.kind, id: d.eventId },
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
  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/notifications', { config: { permission: need.viewer } }, async (req) => {
    const project = req.params.name!;
    await deps.assertProject(project);
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidInputError(`limit must be an integer from 1 to 1000, got ${JSON.stringify(req.query.limit)}`);
    // Deliveries are the project's, across environments: a token limited to environments sees none.
    if (req.principal?.environments) return [];
    return (await deps.deliveries(project, limit)).map(deliveryView);
  });
}
