// API tokens: admins create (the value is in the answer, once), list (never values) and revoke.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import { isRole, type TokenService } from '../auth/token-service.ts';
import { parseDuration } from '../spec/duration.ts';
import { principalOf } from './request-guard.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

/** Longest expiry a token can be given (ten years). */
const maxExpiryMs = 3650 * 86_400_000;

function names(value: unknown, key: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new InvalidInputError(`${key} must be a list of names`);
  return value;
}

function expiryOf(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidInputError('expires must be a duration such as 90d');
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new InvalidInputError(`expires: ${(error as Error).message}`);
  }
  if (ms < 1000 || ms > maxExpiryMs) throw new InvalidInputError(`expires must be from 1s to 3650d, got ${JSON.stringify(value)}`);
  return ms;
}

export function registerTokenRoutes(app: FastifyInstance, tokens: TokenService): void {
  const adminSchemas = lazySchemas(() => import('./schemas/admin-schemas.ts'));
  app.get('/api/tokens', { schema: { summary: 'API tokens (never their values)', response: { 200: adminSchemas.tokenListSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async () => tokens.list());
  app.post('/api/tokens', { schema: { summary: 'Create a token (its value is in this answer only)', body: adminSchemas.createTokenBodySchema, response: { 201: adminSchemas.tokenSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req, reply) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    if (typeof b.name !== 'string') throw new InvalidInputError('name is required');
    if (!isRole(b.role)) throw new InvalidInputError('role must be one of viewer, deployer, admin');
    const created = await tokens.create({
      name: b.name,
      role: b.role,
      projects: names(b.projects, 'projects'),
      environments: names(b.environments, 'environments'),
      expiresInMs: expiryOf(b.expires),
      createdBy: principalOf(req).name,
    });
    return reply.code(201).send(created);
  });
  app.post<{ Params: { token: string } }>('/api/tokens/:token/revoke', { schema: { summary: 'Revoke a token', params: adminSchemas.tokenParams, response: { 200: adminSchemas.tokenSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => tokens.revoke(req.params.token));
}
