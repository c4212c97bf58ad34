// The audit trail over the API: entries newest first (by project, since a time), and the
// verification of the whole chain.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import type { AuditTrail } from '../engine/audit/audit-trail.ts';
import { need } from '../auth/permission.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

type Query = Record<string, string | undefined>;

const maxLimit = 10_000;

function limitOf(value: string | undefined): number {
  if (value === undefined) return 200;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > maxLimit) throw new InvalidInputError(`limit must be an integer from 1 to ${maxLimit}, got ${JSON.stringify(value)}`);
  return n;
}

function sinceOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw new InvalidInputError(`since must be an ISO time (e.g. 2026-01-31T12:00:00Z), got ${JSON.stringify(value)}`);
  return new Date(t).toISOString();
}

export function registerAuditRoutes(app: FastifyInstance, trail: AuditTrail): void {
  const adminSchemas = lazySchemas(() => import('./schemas/admin-schemas.ts'));
  app.get<{ Querystring: Query }>('/api/audit', { schema: { summary: 'Audit entries, newest first', querystring: adminSchemas.auditQuerySchema, response: { 200: adminSchemas.auditListSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => {
    const project = req.query.project || undefined;
    return trail.list({ limit: limitOf(req.query.limit), since: sinceOf(req.query.since), ...(project !== undefined ? { project } : {}) });
  });
  app.get('/api/audit/verify', { schema: { summary: 'Verify the whole hash chain', response: { 200: adminSchemas.auditVerificationSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async () => trail.verify());
}
