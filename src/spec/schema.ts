// The raw shape of sluice.yaml, as written by people. Strict objects: an unknown key is an
// error, so a misspelt key never silently falls back to a default. Defaults and unit
// conversion happen later, in compile-spec.ts; this schema stays close to the text so that
// its JSON Schema (for editors) says what a person may write.
import { z } from 'zod';
import { ALERT_WINDOW_DEFAULT_MS, COUNT_LIMITS, DURATION_LIMITS, HSTS_MAX_AGE, SANDBOX_LIMIT_BOUNDS } from './limits.ts';
import { formatSize, parseSize } from './size.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../sandbox/sandbox-limits.ts';
import { parseDuration } from './duration.ts';
import { bounded, countSchema, durationSchema, percentSchemaOf } from './schema-parts.ts';
import { strategySchemas } from './strategy-schema.ts';
import { notificationsSchema } from './notification-schema.ts';
import { flagsKeySchema } from './flags-key.ts';
import { imageKeySchema } from './image-key.ts';
import { hostNameProblem } from './host-name.ts';
import { DNS_LABEL, ENV_VAR_NAME, isReservedSecretGroup, RESERVED_SECRET_GROUP_PREFIX, SECRET_GROUP_NAME } from './names.ts';
import { ALERT_ACTIONS, ALERT_METRICS, alertProblems } from './alert-spec.ts';
import { didYouMean } from './did-you-mean.ts';

/** The environments of pull request previews; a declared environment may not take these names. */
export const PREVIEW_ENVIRONMENT = /^pr-\d+$/;

const dnsLabel = (what: string) =>
  z.string().regex(DNS_LABEL, {
    error: `is not a valid ${what} name: use lowercase letters, digits and "-" (a DNS label of at most 63 characters)`,
  });

const noNul = (text: string): boolean => !text.includes('\0');
const NUL_ERROR = 'must not contain a NUL character (\\0)';

/**
 * The schema of the pipeline file, built on each call: a parse builds it (about 550 zod schemas, tens
 * of milliseconds) and leaves it to the garbage collector, so a server does not hold it between
 * runs (docs/decisions/0058-idle-server-builds-schemas-on-use.md).
 */
export function specSchemas() {
  const percentSchema = percentSchemaOf();

  // A YAML plain scalar `run: true` is a boolean, yet means the shell command `true`.
  const commandSchema = z.union(
    [
      z
        .string()
        .trim()
        .min(1, { error: 'must not be empty' })
        .refine(noNul, { error: NUL_ERROR })
        .refine((text) => Buffer.byteLength(text) <= COUNT_LIMITS.commandBytes, {
          error: (issue) => `the command is ${Buffer.byteLength(String(issue.input))} bytes: at most ${COUNT_LIMITS.commandBytes} bytes`,
        }),
      z.number(),
      z.boolean(),
    ],
    { error: 'expected a shell command' },
  );

  const envValueSchema = z.union([z.string().refine(noNul, { error: NUL_ERROR }), z.number(), z.boolean()], {
    error: 'expected a string, number or boolean value',
  });

  /** Bytes of an environment as the kernel counts them: `KEY=value` and a NUL per variable. */
  function envBytes(env: Record<string, string | number | boolean>): number {
    let bytes = 0;
    for (const [key, value] of Object.entries(env)) bytes += Buffer.byteLength(`${key}=${String(value)}`) + 1;
    return bytes;
  }

  const envSchema = z
    .record(
      z.string().regex(ENV_VAR_NAME, { error: 'is not a valid environment variable name (letters, digits, "_")' }),
      envValueSchema,
    )
    .superRefine((env, ctx) => {
      const keys = Object.keys(env).length;
      if (keys > COUNT_LIMITS.envKeys) ctx.addIssue({ code: 'custom', message: `${keys} variables: at most ${COUNT_LIMITS.envKeys}` });
      const bytes = envBytes(env);
      if (bytes > COUNT_LIMITS.envBytes) ctx.addIssue({ code: 'custom', message: `${bytes} bytes of variables: at most ${COUNT_LIMITS.envBytes}` });
    })
    .describe(`Environment variables; values are given to processes as strings. At most ${COUNT_LIMITS.envKeys} variables and ${COUNT_LIMITS.envBytes} bytes.`);

  const secretGroupNameSchema = z
    .string()
    .regex(SECRET_GROUP_NAME, { error: 'is not a valid secret group name (letters, digits, "_", ".", "-")' })
    .refine((g) => !isReservedSecretGroup(g), { error: `is kept by Sluice for itself (groups starting with "${RESERVED_SECRET_GROUP_PREFIX}"): a sluice.yaml cannot name it` });

  const secretGroupsSchema = z
    .array(secretGroupNameSchema)
    .max(COUNT_LIMITS.secretGroups, { error: `expected at most ${COUNT_LIMITS.secretGroups} secret groups` });

  function stepsSchema() {
    return z.array(stepSchema).max(COUNT_LIMITS.steps, {
      error: (issue) => `${Array.isArray(issue.input) ? issue.input.length : 'too many'} steps: at most ${COUNT_LIMITS.steps} in one list`,
    });
  }

  /** A byte size (`512MiB`, or a number of bytes) within [min, max]. */
  function sizeSchema(min: number, max: number) {
    const error = `expected a size from ${formatSize(min)} to ${formatSize(max)} (e.g. 512MiB, 2GiB)`;
    const inRange = (text: string | number): boolean => {
      try {
        const n = typeof text === 'number' ? text : parseSize(text);
        return Number.isInteger(n) && n >= min && n <= max;
      } catch {
        return false;
      }
    };
    return z.union([z.string(), z.number()], { error }).refine(inRange, { error });
  }

  const B = SANDBOX_LIMIT_BOUNDS;
  const D = DEFAULT_SANDBOX_LIMITS;
  const sandboxLimitsSchema = z
    .strictObject({
      memory: sizeSchema(B.memoryBytes.min, B.memoryBytes.max).optional().meta({ default: formatSize(D.memoryBytes) }).describe(`Private writable memory of each process (RLIMIT_DATA: heap and anonymous mappings; default ${formatSize(D.memoryBytes)}).`),
      processes: countSchema(B.processes.min, B.processes.max).optional().meta({ default: D.processes }).describe(`Processes and threads at once (default ${D.processes}).`),
      openFiles: countSchema(B.openFiles.min, B.openFiles.max).optional().meta({ default: D.openFiles }).describe(`Open files per process (default ${D.openFiles}).`),
      fileSize: sizeSchema(B.fileSizeBytes.min, B.fileSizeBytes.max).optional().meta({ default: formatSize(D.fileSizeBytes) }).describe(`Largest file it may write (default ${formatSize(D.fileSizeBytes)}).`),
    })
    .describe('Limits of the sandbox; crossing one fails the step or restarts the instance, naming the limit in the log.');

  const stepSchema = z.strictObject({
    run: commandSchema.describe('Shell command, run with /bin/sh -c.'),
    name: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(COUNT_LIMITS.stepNameLength, { error: `expected at most ${COUNT_LIMITS.stepNameLength} characters` })
      .refine(noNul, { error: NUL_ERROR })
      .optional()
      .describe('Shown in logs; defaults to the start of `run`.'),
    timeout: durationSchema(DURATION_LIMITS.stepTimeout).optional().describe(bounded(DURATION_LIMITS.stepTimeout, 'Stop the step after this long (default 10m).')),
    env: envSchema.optional(),
    network: z.boolean().optional().meta({ default: true }).describe('false: the step runs without network (only its own loopback). Default true: builds fetch dependencies.'),
    limits: sandboxLimitsSchema.optional(),
  });

  const healthPathSchema = z.string().regex(/^\//, { error: 'expected a path starting with /' });

  const healthSchema = z.union(
    [
      healthPathSchema,
      z.strictObject({
        path: healthPathSchema,
        interval: durationSchema(DURATION_LIMITS.healthInterval).optional().describe(bounded(DURATION_LIMITS.healthInterval, 'Time between checks (default 1s).')),
        timeout: durationSchema(DURATION_LIMITS.healthTimeout).optional().describe(bounded(DURATION_LIMITS.healthTimeout, 'Time one check may take (default 2s).')),
        deadline: durationSchema(DURATION_LIMITS.healthDeadline)
          .optional()
          .describe(bounded(DURATION_LIMITS.healthDeadline, 'Time an instance has to become healthy (default 60s).')),
      }),
    ],
    { error: 'expected a path starting with / or a map {path, interval, timeout, deadline}' },
  );

  const serviceSchema = z.strictObject({
    start: commandSchema.describe('Shell command that starts one instance; PORT is given in the environment.'),
    health: healthSchema.optional().describe('HTTP path answered with 2xx when an instance is ready.'),
    instances: countSchema(1, COUNT_LIMITS.instances).optional().describe(`Number of instances (default 1, at most ${COUNT_LIMITS.instances}).`),
    env: envSchema.optional(),
    limits: sandboxLimitsSchema.optional(),
  });

  const { analysisSchema, strategySchema } = strategySchemas();

  const approverListSchema = z
    .array(dnsLabel('token or role'))
    .min(1, { error: 'an empty approvers list would let nobody approve: leave approvers out, or name tokens or roles' })
    .max(COUNT_LIMITS.approvers, { error: `expected at most ${COUNT_LIMITS.approvers} approvers` })
    .describe('Token names, or the roles viewer, deployer, admin (a role admits that role and stronger ones).');

  const approversSchema = z.union([
    approverListSchema,
    z.strictObject({
      allow: approverListSchema.optional(),
      allowSelf: z.boolean().optional().describe('false: the token that triggered the run may not approve or reject it (default true).'),
    }),
  ]);

  const hostNameSchema = z.string().superRefine((name, ctx) => {
    const problem = hostNameProblem(name);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

  const domainSchema = z.union(
    [
      hostNameSchema,
      z.strictObject({
        name: hostNameSchema.describe('The host name, e.g. www.shop.example.com.'),
        certificate: z
          .strictObject({
            group: secretGroupNameSchema.describe('A secret group granted to the project (sluice secret grant GROUP --project P).'),
            key: z.string().regex(ENV_VAR_NAME, { error: 'is not a valid secret key name (letters, digits, "_")' }).describe('The key whose value is the PEM certificate chain (leaf first) followed by its private key.'),
          })
          .optional()
          .describe('Your own certificate from a secret group, instead of one ordered over ACME.'),
      }),
    ],
    { error: 'expected a host name such as shop.example.com, or a map {name, certificate: {group, key}}' },
  );

  const hstsSchema = z.union(
    [
      z.boolean(),
      z.strictObject({
        maxAge: durationSchema(HSTS_MAX_AGE).optional().describe(bounded(HSTS_MAX_AGE, `How long browsers keep to HTTPS (default 365d).`)),
        includeSubDomains: z.boolean().optional().describe('Every subdomain too (default false): only when all of them serve HTTPS.'),
      }),
    ],
    { error: 'expected true, false or a map {maxAge, includeSubDomains}' },
  );

  const thresholdSchema = z.union([z.string(), z.number()], { error: 'expected a threshold such as 2%, 800ms or 3' });

  const alertSchema = z.strictObject({
    name: dnsLabel('alert').describe('Names the alert in `sluice alerts`, events and notifications.'),
    metric: z
      .enum(ALERT_METRICS, {
        error: (issue) => {
          const hint = typeof issue.input === 'string' ? didYouMean(issue.input, ALERT_METRICS) : undefined;
          return `unknown metric ${JSON.stringify(issue.input)}${hint ? ` (did you mean "${hint}"?)` : ''}: expected one of ${ALERT_METRICS.join(', ')}`;
        },
      })
      .describe('errorRate (share of 5xx answers), p99/p95/p50 (latency), restarts (instance restarts), requests (traffic, for silence with below).'),
    above: thresholdSchema.optional().describe('Breach when the figure is above this: 2% (errorRate), 800ms (p99, p95, p50), 3 (restarts), 100 or 5/s (requests per window).'),
    below: thresholdSchema.optional().describe('Breach when the figure is below this (requests: a service that stops getting traffic).'),
    for: durationSchema(DURATION_LIMITS.alertFor).describe(bounded(DURATION_LIMITS.alertFor, 'How long the breach must last before the alert fires; at least one evaluation window (restarts: the span they are counted over).')),
    action: z
      .enum(ALERT_ACTIONS, { error: (issue) => `unknown action ${JSON.stringify(issue.input)}: expected rollback or notify` })
      .optional()
      .describe('rollback: put the previous release back (once per release); notify: only tell (default).'),
  });
  const accessLogSchema = z.union(
    [
      z.enum(['off', 'all']),
      z.boolean(),
      z.strictObject({
        sample: percentSchema.describe('The share of requests logged, e.g. 10% or 0.1 (a fresh draw per request).'),
      }),
    ],
    { error: 'expected off, all or a map {sample: 10%}' },
  );

  const environmentSchema = z.strictObject({
    domains: z
      .array(domainSchema)
      .max(COUNT_LIMITS.domains, { error: `expected at most ${COUNT_LIMITS.domains} domains` })
      .optional()
      .describe('Custom domains served by the first service over HTTP and HTTPS; certificates are ordered over ACME (HTTP-01) unless one is given.'),
    hsts: hstsSchema
      .optional()
      .describe(`Strict-Transport-Security on the HTTPS answers of the custom domains (default off; true: maxAge 365d).`),
    accessLog: accessLogSchema
      .optional()
      .describe(
        'The router\'s access log of this environment into the log store (stream access; sluice logs NAME --env ENV --grep): off (default), all, or {sample: 10%}.',
      ),
    secrets: secretGroupsSchema.optional().describe('Secret groups; every key becomes an env var; later groups win.'),
    env: envSchema.optional(),
    verify: stepsSchema().optional().describe('Steps run against the deployed environment ($SLUICE_URL).'),
    approval: z.boolean().optional().describe('true: a person releases into this environment (default false).'),
    approvers: approversSchema
      .optional()
      .describe('Who may approve or reject this environment\'s gate (with approval: true): a list of token names and roles, or {allow: [...], allowSelf: false}. Default: any deployer or admin.'),
    strategy: strategySchema.optional().describe('How a new release replaces the old one (default rolling).'),
    bake: durationSchema(DURATION_LIMITS.bake)
      .optional()
      .describe(
        bounded(
          DURATION_LIMITS.bake,
          'Watch after promotion and roll back on a breach: error rate, latency, crashes or failed health checks (default 60s on the last environment, 0 elsewhere; 0: no bake).',
        ),
      ),
    alerts: z
      .array(alertSchema)
      .max(COUNT_LIMITS.alerts, { error: `expected at most ${COUNT_LIMITS.alerts} alerts` })
      .optional()
      .describe('Watched continuously on the router\'s and the instances\' own figures: ok → pending → firing, then notify or roll back.'),
    alertWindow: durationSchema(DURATION_LIMITS.alertWindow)
      .optional()
      .describe(bounded(DURATION_LIMITS.alertWindow, 'The span each alert figure is measured over (default 10s).')),
  }).superRefine((env, ctx) => {
    const windowMs = env.alertWindow === undefined ? ALERT_WINDOW_DEFAULT_MS : parseDuration(env.alertWindow);
    for (const p of alertProblems(env.alerts ?? [], windowMs)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });

  const previewsSchema = z.strictObject({
    domain: hostNameSchema.optional().describe('Each preview also answers pr-N.DOMAIN (a DNS record *.DOMAIN pointing at the server), with its own certificate.'),
    pullRequests: z.boolean().optional().describe('Deploy each open pull request to its own environment.'),
    secrets: secretGroupsSchema.optional(),
    forkSecrets: secretGroupsSchema
      .optional()
      .describe(
        'Secret groups a preview of a pull request from a fork gets instead of `secrets`, once a deployer approved it; its build gets at most these too (default none). Like every previews setting, read from the base branch.',
      ),
    ttl: durationSchema(DURATION_LIMITS.ttl).optional().describe(bounded(DURATION_LIMITS.ttl, 'Remove a preview this long after its last change (default 48h).')),
    scaleToZero: durationSchema(DURATION_LIMITS.scaleToZero)
      .optional()
      .describe(bounded(DURATION_LIMITS.scaleToZero, 'Stop idle instances after this long; start them on a request.')),
    env: envSchema.optional(),
  });

  const patternsSchema = z
    .array(
      z
        .string()
        .min(1)
        .max(COUNT_LIMITS.triggerPatternLength, { error: `expected at most ${COUNT_LIMITS.triggerPatternLength} characters` }),
    )
    .max(COUNT_LIMITS.triggerPatterns, { error: `expected at most ${COUNT_LIMITS.triggerPatterns} patterns` });

  const triggersSchema = z.strictObject({
    branches: patternsSchema.optional().describe('Branches that start runs (default: the project branch).'),
    paths: patternsSchema.optional().describe('Only run when a changed file matches one of these globs.'),
    tags: patternsSchema.optional().describe('Tag patterns that start runs.'),
  });

  const rawSpecSchema = z.strictObject({
    build: stepsSchema().optional().describe('Steps run with /bin/sh -c in the workspace; their output is the artifact.'),
    test: stepsSchema().optional().describe('Steps run in a fresh unpack of the artifact.'),
    services: z
      .record(dnsLabel('service'), serviceSchema)
      .refine((services) => Object.keys(services).length <= COUNT_LIMITS.services, {
        error: (issue) => `${Object.keys(issue.input as object).length} services: at most ${COUNT_LIMITS.services}`,
      })
      .optional()
      .describe('Long-running processes; the first one is served by the router.'),
    buildSecrets: secretGroupsSchema.optional().describe('Secret groups given to build steps.'),
    environments: z
      .record(
        dnsLabel('environment').refine((name) => !PREVIEW_ENVIRONMENT.test(name), {
          error: 'is reserved for pull request previews (pr-N): choose another environment name',
        }),
        environmentSchema,
      )
      .refine((environments) => Object.keys(environments).length <= COUNT_LIMITS.environments, {
        error: (issue) => `${Object.keys(issue.input as object).length} environments: at most ${COUNT_LIMITS.environments}`,
      })
      .optional()
      .describe('Deploy targets, in deploy order.'),
    previews: previewsSchema.optional().describe('Preview environments for pull requests.'),
    triggers: triggersSchema.optional(),
    notifications: notificationsSchema.optional().describe('Where the project\'s events (run.failed, rollback, …) are sent.'),
    flags: flagsKeySchema.optional(),
    image: imageKeySchema.optional(),
  });
  return { percentSchema, envSchema, sandboxLimitsSchema, stepSchema, healthSchema, serviceSchema, analysisSchema, strategySchema, hostNameSchema, alertSchema, environmentSchema, previewsSchema, triggersSchema, rawSpecSchema };
}

export type SpecSchemas = ReturnType<typeof specSchemas>;
export type RawSpec = z.output<SpecSchemas['rawSpecSchema']>;
export type RawStep = z.output<SpecSchemas['stepSchema']>;
export type RawAnalysis = z.output<SpecSchemas['analysisSchema']>;
export type RawStrategy = z.output<SpecSchemas['strategySchema']>;
export type RawLimits = z.output<SpecSchemas['sandboxLimitsSchema']>;
export type RawEnvironment = z.output<SpecSchemas['environmentSchema']>;
