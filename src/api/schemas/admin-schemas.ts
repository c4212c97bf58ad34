// Admin routes: API tokens, secret groups and grants, the audit trail, backups.
import { z } from 'zod';

const time = z.string().describe('ISO 8601 time');
const role = z.enum(['viewer', 'deployer', 'admin']);

export const tokenSchema = z
  .object({
    name: z.string(),
    role,
    projects: z.array(z.string()).nullable(),
    environments: z.array(z.string()).nullable(),
    createdBy: z.string(),
    createdAt: time,
    expiresAt: time.nullable(),
    revokedAt: time.nullable(),
    /** The value itself: only in the answer to its creation. */
    token: z.string().optional(),
  })
  .meta({ id: 'Token' });
export type TokenJson = z.output<typeof tokenSchema>;
export const tokenListSchema = z.array(tokenSchema);

const names = (key: string): z.ZodOptional<z.ZodNullable<z.ZodArray<z.ZodString>>> => z.array(z.string({ error: `${key} must be a list of names` }), { error: `${key} must be a list of names` }).nullish();
export const createTokenBodySchema = z
  .object({
    name: z.string({ error: 'name is required' }),
    role: z.enum(['viewer', 'deployer', 'admin'], { error: 'role must be one of viewer, deployer, admin' }),
    projects: names('projects'),
    environments: names('environments'),
    expires: z.string({ error: 'expires must be a duration such as 90d' }).nullish().describe('1s to 3650d, e.g. 90d'),
  })
  .meta({ id: 'CreateTokenRequest' });
export const tokenParams = z.object({ token: z.string().describe('token name') });

export const secretListingSchema = z.object({ key: z.string(), version: z.number().int(), createdBy: z.string(), createdAt: time }).meta({ id: 'SecretListing' });
export const secretGrantSchema = z.object({ group: z.string(), project: z.string(), createdBy: z.string(), createdAt: time }).meta({ id: 'SecretGrant' });
export const secretOverviewSchema = z.object({ groups: z.array(z.string()), grants: z.array(secretGrantSchema) }).meta({ id: 'SecretOverview' });
export const secretValueSchema = z.object({ key: z.string(), version: z.number().int(), value: z.string() }).meta({ id: 'SecretValue' });
export const secretVersionSchema = z
  .object({
    key: z.string(),
    version: z.number().int(),
    state: z.enum(['set', 'unset']).describe('unset: the version `sluice secret unset` wrote, which has no value'),
    createdBy: z.string(),
    createdAt: time,
  })
  .meta({ id: 'SecretVersion' });
export const secretVersionListSchema = z.array(secretVersionSchema).describe('newest first; never a value');
export type SecretVersionJson = z.output<typeof secretVersionSchema>;
export const secretValueQuerySchema = z.object({ version: z.string().regex(/^[1-9]\d{0,8}$/, 'version must be a version number (1, 2, …)').optional().describe('a version number; default: the current one') });
export const setSecretBodySchema = z.object({ value: z.string({ error: 'value must be a string' }) }).meta({ id: 'SetSecretRequest' });
export type SecretListingJson = z.output<typeof secretListingSchema>;
export type SecretOverviewJson = z.output<typeof secretOverviewSchema>;
export type SecretValueJson = z.output<typeof secretValueSchema>;
export const grantCreatedSchema = secretGrantSchema.extend({ created: z.boolean() }).meta({ id: 'SecretGrantAnswer' });
export const secretUnsetSchema = z.object({ unset: z.string().describe('GROUP/KEY') });
export const grantRevokedSchema = z.object({ revoked: z.object({ group: z.string(), project: z.string() }) });
export const keyRotationSchema = z.object({ fingerprint: z.string(), keyFile: z.string().nullable() }).meta({ id: 'KeyRotation' });
export const groupParams = z.object({ group: z.string() });
export const secretParams = z.object({ group: z.string(), key: z.string() });
export const grantParams = z.object({ group: z.string(), project: z.string() });

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: time,
    actor: z.string(),
    role: z.string().nullable(),
    action: z.string(),
    target: z.string(),
    project: z.string().nullable(),
    outcome: z.string().describe('ok, denied or failed'),
    status: z.number().int().nullable(),
    source: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryJson = z.output<typeof auditEntrySchema>;
export const auditListSchema = z.array(auditEntrySchema);
export const auditQuerySchema = z.object({
  project: z.string().optional(),
  limit: z.string().optional().describe('1-10000, default 200'),
  since: z.string().optional().describe('ISO time'),
});
export const auditVerificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    head: z.object({ lastId: z.number().int(), lastHash: z.string() }).nullable(),
    firstBreak: z.object({ id: z.number().int(), problem: z.enum(['edited', 'removed', 'reordered', 'inserted']), message: z.string() }).nullable(),
  })
  .meta({ id: 'AuditVerification' });
export type AuditVerificationJson = z.output<typeof auditVerificationSchema>;

export const backupBodySchema = z
  .object({ file: z.string({ error: 'file must be a file name' }).min(1, 'file must be a file name').max(4096, 'file must be a file name').optional().describe("the operator's file name (for advice)") })
  .meta({ id: 'BackupRequest' });
/** The SQLite copy itself, streamed (header x-sluice-master-key: where the key that is not in it lives). */
export const backupFileSchema = z.string().describe('an SQLite database (application/vnd.sqlite3)');
export const secretListSchema = z.array(secretListingSchema);
