// What the data plane accepts over its socket and reads back from its state file. Checked
// before anything is persisted, and again per entry at start: one project's bad value must
// never reach the supervisor or the router, where it could stop every other project.
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import type { DesiredRoute } from '../router/router.ts';
import { maxTimerMs } from '../runtime/process/supervisor.ts';
import type { InstanceSpec } from '../runtime/process/types.ts';


const durationMs = z.number().int().min(1).max(maxTimerMs);
const nonEmpty = z.string().min(1);

const health = z.object({
  path: z.string().startsWith('/'),
  intervalMs: durationMs,
  timeoutMs: durationMs,
  deadlineMs: durationMs,
});

const specFields = {
  cwd: nonEmpty,
  command: nonEmpty.refine((c) => c.trim() !== '', 'command is blank'),
  env: z.record(z.string(), z.string()),
  health: health.nullable(),
  labels: z.record(z.string(), z.string()).optional(),
  limits: z
    .object({ memoryBytes: z.number().int().min(1), processes: z.number().int().min(1), openFiles: z.number().int().min(1), fileSizeBytes: z.number().int().min(1) })
    .optional(),
};

/** PUT /instances/:id — the id and log file come from the path and the data directory. */
export const instanceBodySchema = z.object({ ...specFields, secretEnv: z.record(z.string(), z.string()).optional() });

/** An instance as kept in state.json. */
export const storedInstanceSchema = z.object({ ...specFields, id: nonEmpty, logFile: nonEmpty, sealedSecretEnv: z.string().optional() });

const backend = z.object({ release: z.string(), weight: z.number().finite().min(0), instances: z.array(z.string()) });

const routeObject = z.object({
  backends: z.array(backend),
  headerRelease: z.object({ header: nonEmpty, values: z.record(z.string(), z.string()) }).optional(),
  scaleToZeroMs: durationMs.optional(),
  sticky: z
    .object({ cookie: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/), maxAgeSeconds: z.number().int().positive().max(maxTimerMs).optional() })
    .optional(),
  hsts: z.object({ maxAgeSeconds: z.number().int().min(0).max(2 ** 31 - 1), includeSubDomains: z.boolean() }).optional(),
  forward: z.object({ port: z.number().int().min(1).max(65535) }).optional(),
  accessLog: z.object({ sample: z.number().gt(0).max(1) }).optional(),
  flagScope: z.object({ project: nonEmpty, environment: nonEmpty }).optional(),
});

/** Routes stored by older versions were a bare backend list. */
export const routeSchema = z.union([routeObject, z.array(backend).transform((backends) => ({ backends }))]);

/** PUT /certificates/:id (the PEM checks themselves are in router/edge/parse-certificate.ts). */
export const certificateBodySchema = z.object({
  hosts: z.array(nonEmpty).min(1, 'hosts is empty: a certificate must name the hosts it serves'),
  certificatePem: nonEmpty,
  keyPem: nonEmpty,
});

/** A certificate as kept in state.json: the key sealed by the secret vault, never in clear. */
export const storedCertificateSchema = z.object({
  hosts: z.array(nonEmpty).min(1),
  certificatePem: nonEmpty,
  sealedKey: nonEmpty,
});

export type StoredCertificate = z.infer<typeof storedCertificateSchema>;

/** Certificate ids name a file-like key in the state and a path segment: kept plain. */
export const certificateIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

export function parseCertificateBody(id: string, body: unknown): z.infer<typeof certificateBodySchema> {
  if (!certificateIdPattern.test(id)) throw new InvalidInputError(`invalid certificate id ${JSON.stringify(id)}: letters, digits, '.', '_' and '-' only (at most 128)`, { id });
  const parsed = certificateBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(`invalid certificate ${JSON.stringify(id)}: ${describe(parsed.error)}`, { id });
  return parsed.data;
}

export function parseAcmeChallengeBody(token: string, body: unknown): string {
  const parsed = z.object({ keyAuthorization: z.string().min(1).max(4096) }).safeParse(body);
  if (!parsed.success) throw new InvalidInputError(`invalid ACME challenge ${JSON.stringify(token)}: ${describe(parsed.error)}`, { token });
  return parsed.data.keyAuthorization;
}

export function checkStoredCertificate(value: unknown): { certificate: StoredCertificate } | { error: string } {
  const parsed = storedCertificateSchema.safeParse(value);
  return parsed.success ? { certificate: parsed.data } : { error: describe(parsed.error) };
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** The instance body of a PUT, or an InvalidInputError naming each problem. */
export function parseInstanceBody(id: string, body: unknown): z.infer<typeof instanceBodySchema> {
  const parsed = instanceBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(`invalid instance ${JSON.stringify(id)}: ${describe(parsed.error)}`, { id });
  return parsed.data;
}

export function parseRoute(host: string, body: unknown): DesiredRoute {
  const parsed = routeSchema.safeParse(body);
  if (!parsed.success) throw new InvalidInputError(`invalid route ${JSON.stringify(host)}: ${describe(parsed.error)}`, { host });
  return parsed.data;
}

/** A stored instance, or the reason it no longer validates. */
export function checkStoredInstance(value: unknown): { spec: InstanceSpec } | { error: string } {
  const parsed = storedInstanceSchema.safeParse(value);
  return parsed.success ? { spec: parsed.data } : { error: describe(parsed.error) };
}

export function checkStoredRoute(value: unknown): { route: DesiredRoute } | { error: string } {
  const parsed = routeSchema.safeParse(value);
  return parsed.success ? { route: parsed.data } : { error: describe(parsed.error) };
}
