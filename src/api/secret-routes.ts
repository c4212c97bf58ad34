// Secret groups over the API. Values go in (PUT) and come out only through GET of one key,
// which is audited and for admins only; listings never carry values.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import { principalOf } from './request-guard.ts';
import type { SecretService } from '../engine/secrets/secret-service.ts';

type Params = Record<string, string>;


export interface SecretApiDeps {
  secrets: SecretService;
  rotateKey: (actor: string) => Promise<{ fingerprint: string; keyFile: string | null }>;
  /** Who read or changed secrets, and when (newest first). */
  audit: (limit: number) => Promise<Array<{ at: string; actor: string; action: string; target: string }>>;
}

export function registerSecretRoutes(app: FastifyInstance, deps: SecretApiDeps): void {
  const { secrets } = deps;
  app.get('/api/secrets', { config: { permission: need.viewerGlobal } }, async () => ({ groups: await secrets.groups() }));
  app.get<{ Params: Params }>('/api/secrets/:group', { config: { permission: need.viewerGlobal } }, async (req) => secrets.list(req.params.group!));
  app.get<{ Params: Params }>('/api/secrets/:group/:key', { config: { permission: need.adminGlobal } }, async (req) => secrets.get(req.params.group!, req.params.key!, principalOf(req).name));
  app.put<{ Params: Params }>('/api/secrets/:group/:key', { config: { permission: need.adminGlobal } }, async (req) => {
    const value = (req.body as { value?: unknown } | null)?.value;
    if (typeof value !== 'string') throw new InvalidInputError('value must be a string');
    return secrets.set(req.params.group!, req.params.key!, value, principalOf(req).name);
  });
  app.delete<{ Params: Params }>('/api/secrets/:group/:key', { config: { permission: need.adminGlobal } }, async (req) => {
    await secrets.unset(req.params.group!, req.params.key!, principalOf(req).name);
    return { unset: `${req.params.group}/${req.params.key}` };
  });
  app.post('/api/secrets/rotate-key', { config: { permission: need.adminGlobal } }, async (req) => deps.rotateKey(principalOf(req).name));
  app.get<{ Querystring: { limit?: string } }>('/api/audit', { config: { permission: need.adminGlobal } }, async (req) => deps.audit(Math.min(10_000, Math.max(1, Number(req.query.limit ?? 200) || 200))));
}
