// One hook records the API calls of the audit trail: every call that changes something, and
// every refused one (401, 403, 429), whatever the route. It runs as `onSend`: the entry is in
// the store before the answer leaves, so `sluice audit` right after a command shows it. A route
// that knows more records its own success (`recordNow`): a secret read before the value is
// decrypted, a secret set with its new version.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditCaller, AuditOutcome, AuditTrail } from '../engine/audit/audit-trail.ts';
import { auditActionOf, isMutating } from './audit-actions.ts';

export interface AuditHookDeps {
  trail: AuditTrail;
  /** A run's project and number, for a readable target (`web#12`); undefined when there is none. */
  runOf(ref: string): Promise<{ project: string; number: number } | undefined>;
  logError(message: string, error: unknown): void;
}

export interface ApiAuditor {
  /** Records the call now (outcome ok, with a target only the route knows); the hook then leaves it alone. */
  recordNow(req: FastifyRequest, target: string): Promise<void>;
}

const deniedStatuses = new Set([401, 403, 429]);

export function callerOf(req: FastifyRequest): AuditCaller {
  // `principal` is set by the authentication hook; absent (undefined) on a server without it.
  const principal = req.principal ?? null;
  return { actor: principal?.name ?? 'anonymous', role: principal?.role ?? null, source: req.ip || null };
}

function outcomeOf(status: number): AuditOutcome {
  if (deniedStatuses.has(status)) return 'denied';
  return status >= 400 ? 'failed' : 'ok';
}

const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

export function registerAuditHook(app: FastifyInstance, deps: AuditHookDeps): ApiAuditor {
  const recorded = new WeakSet<FastifyRequest>();

  async function targetOf(req: FastifyRequest): Promise<{ target: string; project: string | null }> {
    const p = (req.params ?? {}) as Record<string, string | undefined>;
    if (p.id !== undefined && req.routeOptions.url?.startsWith('/api/runs/')) {
      const run = await deps.runOf(p.id).catch(() => undefined);
      return run ? { target: `${run.project}#${run.number}`, project: run.project } : { target: clip(p.id), project: null };
    }
    if (p.group !== undefined && p.project !== undefined) return { target: `${p.group} to ${p.project}`, project: p.project };
    if (p.group !== undefined) return { target: p.key !== undefined ? `${p.group}/${p.key}` : p.group, project: null };
    if (p.name !== undefined) return { target: p.env !== undefined ? `${p.name}/${p.env}` : p.name, project: p.name };
    if (p.project !== undefined) return { target: p.host !== undefined ? `${p.project} (${p.host})` : p.project, project: p.project };
    const name = (req.body as { name?: unknown } | null | undefined)?.name;
    if (req.routeOptions.url === '/api/projects' && typeof name === 'string') return { target: clip(name), project: clip(name) };
    return { target: clip(req.url.split('?')[0] ?? req.url), project: null };
  }

  async function append(req: FastifyRequest, status: number, target?: string): Promise<void> {
    const where = await targetOf(req);
    const action = auditActionOf(req.method, req.routeOptions.url, req.url.split('?')[0] ?? req.url);
    await deps.trail.record(callerOf(req), { action, target: target ?? where.target, project: where.project, outcome: outcomeOf(status), status });
  }

  app.addHook('onSend', async function auditCall(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
    if (recorded.has(req)) return payload;
    const status = reply.statusCode;
    const pattern = req.routeOptions.url;
    const apiCall = pattern !== undefined && pattern.startsWith('/api/');
    // Webhook deliveries are recorded only when refused: accepted ones are in `deliveries` and their runs.
    if (!deniedStatuses.has(status) && !(apiCall && isMutating(req.method))) return payload;
    recorded.add(req);
    try {
      await append(req, status);
    } catch (error) {
      // The call has happened (or was refused): its answer still goes out; the failure is logged.
      deps.logError(`audit entry for ${req.method} ${req.url} not recorded`, error);
    }
    return payload;
  });

  return {
    async recordNow(req, target) {
      recorded.add(req);
      await append(req, 200, target);
    },
  };
}
