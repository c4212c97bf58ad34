// Secret groups over the API. Values go in (PUT) and come out only through GET of one key (its
// current version or an older one), which is for admins only and audited before the value is
// decrypted; listings and a key's versions never carry values. Grants say which projects' sluice.yaml may name a group.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import type { SecretService } from '../engine/secrets/secret-service.ts';
import { callerOf, type ApiAuditor } from './audit-hook.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

type Params = Record<string, string>;

export interface SecretApiDeps {
  secrets: SecretService;
  rotateKey: () => Promise<{ fingerprint: string; keyFile: string | null }>;
}

export function registerSecretRoutes(app: FastifyInstance, deps: SecretApiDeps, auditor: ApiAuditor): void {
  const adminSchemas = lazySchemas(() => import('./schemas/admin-schemas.ts'));
  const { secrets } = deps;
  app.get('/api/secrets', { schema: { summary: 'Secret groups and grants', response: { 200: adminSchemas.secretOverviewSchema, ...errorResponses } }, config: { permission: need.viewerGlobal } }, async () => {
    const grants = await secrets.grants();
    const groups = [...new Set([...(await secrets.groups()), ...grants.map((g) => g.group)])].sort();
    return { groups, grants };
  });
  app.get<{ Params: Params }>('/api/secrets/:group', { schema: { summary: 'The keys of a group (never values)', params: adminSchemas.groupParams, response: { 200: adminSchemas.secretListSchema, ...errorResponses } }, config: { permission: need.viewerGlobal } }, async (req) => secrets.list(req.params.group!));
  app.get<{ Params: Params; Querystring: { version?: string } }>('/api/secrets/:group/:key', { schema: { summary: 'One value, the current one or ?version=N (audited before it is decrypted)', params: adminSchemas.secretParams, querystring: adminSchemas.secretValueQuerySchema, response: { 200: adminSchemas.secretValueSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => {
    const version = req.query.version === undefined ? undefined : Number(req.query.version);
    return secrets.get(req.params.group!, req.params.key!, (target) => auditor.recordNow(req, target), version);
  });
  app.get<{ Params: Params }>('/api/secrets/:group/:key/versions', { schema: { summary: 'The versions of a key, newest first (never values)', params: adminSchemas.secretParams, response: { 200: adminSchemas.secretVersionListSchema, ...errorResponses } }, config: { permission: need.viewerGlobal } }, async (req) => secrets.versions(req.params.group!, req.params.key!));
  app.put<{ Params: Params }>('/api/secrets/:group/:key', { schema: { summary: 'Set a value (a new version)', params: adminSchemas.secretParams, body: adminSchemas.setSecretBodySchema, response: { 200: adminSchemas.secretListingSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => {
    const value = (req.body as { value?: unknown } | null)?.value;
    if (typeof value !== 'string') throw new InvalidInputError('value must be a string');
    const set = await secrets.set(req.params.group!, req.params.key!, value, callerOf(req).actor);
    await auditor.recordNow(req, `${req.params.group}/${req.params.key}@${set.version}`);
    return set;
  });
  app.delete<{ Params: Params }>('/api/secrets/:group/:key', { schema: { summary: 'Unset a key', params: adminSchemas.secretParams, response: { 200: adminSchemas.secretUnsetSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => {
    await secrets.unset(req.params.group!, req.params.key!, callerOf(req).actor);
    return { unset: `${req.params.group}/${req.params.key}` };
  });
  app.put<{ Params: Params }>('/api/secrets/:group/grants/:project', { schema: { summary: "Let a project's sluice.yaml name the group", params: adminSchemas.grantParams, response: { 200: adminSchemas.grantCreatedSchema, 201: adminSchemas.grantCreatedSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req, reply) => {
    const { grant, created } = await secrets.grant(req.params.group!, req.params.project!, callerOf(req).actor);
    return reply.code(created ? 201 : 200).send({ ...grant, created });
  });
  app.delete<{ Params: Params }>('/api/secrets/:group/grants/:project', { schema: { summary: 'Revoke a grant', params: adminSchemas.grantParams, response: { 200: adminSchemas.grantRevokedSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req) => {
    await secrets.revokeGrant(req.params.group!, req.params.project!);
    return { revoked: { group: req.params.group, project: req.params.project } };
  });
  app.post('/api/secrets/rotate-key', { schema: { summary: 'Rotate the master key (values re-encrypted)', response: { 200: adminSchemas.keyRotationSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async () => deps.rotateKey());
}
