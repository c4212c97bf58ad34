// Secret groups over the API. Values go in (PUT) and come out only through GET of one key,
// which is audited; listings never carry values.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import type { SecretService } from '../engine/secrets/secret-service.ts';

type Params = Record<string, string>;

function actorOf(headers: Record<string, unknown>): string {
  const a = headers['x-sluice-actor'];
  return typeof a === 'string' && a ? a.slice(0, 100) : 'anonymous';
}

export interface SecretApiDeps {
  secrets: SecretService;
  rotateKey: (actor: string) => Promise<{ fingerprint: string; keyFile: string | null }>;
  /** Who read or changed secrets, and when (newest first). */
  audit: (limit: number) => Promise<Array<{ at: string; actor: string; action: string; target: string }>>;
}

export function registerSecretRoutes(app: FastifyInstance, deps: SecretApiDeps): void {
  const { secrets } = deps;
  app.get('/api/secrets', async () => ({ groups: await secrets.groups() }));
  app.get<{ Params: Params }>('/api/secrets/:group', async (req) => secrets.list(req.params.group!));
  app.get<{ Params: Params }>('/api/secrets/:group/:key', async (req) => secrets.get(req.params.group!, req.params.key!, actorOf(req.headers)));
  app.put<{ Params: Params }>('/api/secrets/:group/:key', async (req) => {
    const value = (req.body as { value?: unknown } | null)?.value;
    if (typeof value !== 'string') throw new InvalidInputError('value must be a string');
    return secrets.set(req.params.group!, req.params.key!, value, actorOf(req.headers));
  });
  app.delete<{ Params: Params }>('/api/secrets/:group/:key', async (req) => {
    await secrets.unset(req.params.group!, req.params.key!, actorOf(req.headers));
    return { unset: `${req.params.group}/${req.params.key}` };
  });
  app.post('/api/secrets/rotate-key', async (req) => deps.rotateKey(actorOf(req.headers)));
  app.get<{ Querystring: { limit?: string } }>('/api/audit', async (req) => deps.audit(Math.min(10_000, Math.max(1, Number(req.query.limit ?? 200) || 200))));
}
