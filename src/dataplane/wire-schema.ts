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
  hsts: z.object({ maxAgeSeconds: z.number().int().min(0), includeSubDomains: z.boolean() }).optional(),
});

/** Routes stored by older versions were a bare backend list. */
export const routeSchema = z.union([routeObject, z.array(backend).transform((backends) => ({ backends }))]);

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
