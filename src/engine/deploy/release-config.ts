// What a release carries besides its artifact: the services and the configuration they run
// with, so a rollback restores code and configuration together. Plain values are kept;
// secrets only as references (group, key, version), resolved when an instance starts.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.ts';
import { parseStored } from '../../store/stored-json.ts';
import type { EnvironmentSpec, HealthSpec, Spec } from '../../spec/spec.ts';
import type { SecretRef } from '../secrets/secret-service.ts';
import type { SandboxLimits } from '../../sandbox/sandbox-limits.ts';
import { ALERT_ACTIONS, ALERT_METRICS, type AlertSpec } from '../../spec/alert-spec.ts';
import type { AccessLogPolicy, HstsPolicy } from '../../router/router.ts';
import { flagFileSchema, type FlagFile } from '../../flags/flag-file.ts';

export interface ReleaseService {
  name: string;
  start: string;
  health: HealthSpec | null;
  instances: number;
  /** Plain values, and `${{ secrets.NAME }}` references left as written. */
  env: Record<string, string>;
  /** Sandbox limits; absent in releases made before they existed (the defaults apply). */
  limits?: SandboxLimits;
}

export interface ReleaseConfig {
  services: ReleaseService[];
  /** The environment's secret groups at the versions current when the release was made. */
  secretRefs?: SecretRef[];
  /** The groups they came from (a redeploy takes their current versions). */
  secretGroups?: string[];
  /** Previews: instances sleep after this long without a request. */
  scaleToZeroMs?: number | null;
  /**
   * The release whose instances serve this one: a rollback inside blue/green's warm window
   * switches back to the old instances instead of starting new ones.
   */
  servedBy?: number;
  /** Custom domains the first service answers (absent in releases made before they existed). */
  domains?: ReleaseDomain[];
  /** Strict-Transport-Security on those domains over HTTPS; null or absent: none. */
  hsts?: HstsPolicy | null;
  /** The environment's alerts while this release is live (absent in releases made before alerts existed: none). */
  alerts?: AlertSpec[];
  alertWindowMs?: number;
  /** The router's access log of the environment's hosts into the log store; null or absent: off. */
  accessLog?: AccessLogPolicy | null;
  /** The flag file checked out with the commit (`flags:` in sluice.yaml); absent: none. Live with the release. */
  flags?: { fileName: string; file: FlagFile };
}

export interface ReleaseDomain {
  name: string;
  /** Where the user's own certificate is; null: ordered over ACME. */
  certificate: { group: string; key: string } | null;
}

/** The custom domain names of a release (none for releases made before domains existed). */
export function domainNamesOf(config: ReleaseConfig | null): string[] {
  return (config?.domains ?? []).map((d) => d.name);
}

/** Which release number the instances (and router backends) of a release carry. */
export function generationOf(release: { number: number }, config: ReleaseConfig | null): number {
  return config?.servedBy ?? release.number;
}

/** The configuration for a release that starts its own instances. */
export function withOwnInstances(json: string): string {
  const { servedBy: _servedBy, ...rest } = parseReleaseConfig(json);
  return JSON.stringify(rest);
}

export function releaseConfigOf(spec: Spec, environment: EnvironmentSpec, secretRefs: SecretRef[] = [], scaleToZeroMs: number | null = null, flags?: ReleaseConfig['flags']): ReleaseConfig {
  return {
    ...(flags ? { flags } : {}),
    services: spec.services.map((s) => ({
      name: s.name,
      start: s.start,
      health: s.health,
      instances: s.instances,
      env: { ...s.env, ...environment.env },
      limits: { ...s.limits },
    })),
    secretRefs,
    secretGroups: [...environment.secrets],
    scaleToZeroMs,
    domains: environment.domains.map((d) => ({ name: d.name, certificate: d.certificate ? { ...d.certificate } : null })),
    hsts: environment.hsts ? { ...environment.hsts } : null,
    alerts: environment.alerts.map((a) => ({ ...a })),
    alertWindowMs: environment.alertWindowMs,
    accessLog: environment.accessLog ? { ...environment.accessLog } : null,
  };
}

const count = z.number().int().min(0);
const releaseConfigSchema = z.object({
  services: z.array(
    z.object({
      name: z.string(),
      start: z.string(),
      health: z.object({ path: z.string(), intervalMs: count, timeoutMs: count, deadlineMs: count }).nullable(),
      instances: count,
      env: z.record(z.string(), z.string()),
      limits: z.object({ memoryBytes: count, processes: count, openFiles: count, fileSizeBytes: count }).optional(),
    }),
  ),
  secretRefs: z.array(z.object({ group: z.string(), key: z.string(), version: count })).optional(),
  secretGroups: z.array(z.string()).optional(),
  scaleToZeroMs: count.nullable().optional(),
  servedBy: count.optional(),
  domains: z.array(z.object({ name: z.string().min(1), certificate: z.object({ group: z.string(), key: z.string() }).nullable() })).optional(),
  hsts: z.object({ maxAgeSeconds: count, includeSubDomains: z.boolean() }).nullable().optional(),
  alerts: z
    .array(
      z.object({
        name: z.string().min(1),
        metric: z.enum(ALERT_METRICS),
        comparison: z.enum(['above', 'below']),
        threshold: z.number().min(0),
        forMs: count,
        action: z.enum(ALERT_ACTIONS),
      }),
    )
    .optional(),
  alertWindowMs: count.optional(),
  accessLog: z.object({ sample: z.number().gt(0).max(1) }).nullable().optional(),
  flags: z.object({ fileName: z.string(), file: flagFileSchema }).optional(),
});

/** A release's stored configuration, checked (`record` names the release in the error). */
export function parseReleaseConfig(json: string, record = 'a release configuration'): ReleaseConfig {
  return parseStored(releaseConfigSchema, json, record) satisfies ReleaseConfig;
}

const reference = /\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of secrets the services' env refers to. */
export function referencedSecrets(config: ReleaseConfig): Set<string> {
  const names = new Set<string>();
  for (const s of config.services) for (const v of Object.values(s.env)) for (const m of v.matchAll(reference)) names.add(m[1]!);
  return names;
}

/** Fails (before any instance starts) when the env refers to a secret the release has no key for. */
export function checkReferences(config: ReleaseConfig): void {
  const have = new Set((config.secretRefs ?? []).map((r) => r.key));
  const missing = [...referencedSecrets(config)].filter((n) => !have.has(n));
  if (missing.length) {
    throw new InvalidInputError(`env refers to secret ${missing.map((m) => JSON.stringify(m)).join(', ')}, which no secret group of this environment has`);
  }
}

/**
 * The environment of one instance: every key of the release's secret groups, then the
 * service's env with references replaced. `secret` holds what must never be written down.
 */
export function instanceEnv(service: ReleaseService, secretValues: Record<string, string>): { plain: Record<string, string>; secret: Record<string, string> } {
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = { ...secretValues };
  for (const [k, v] of Object.entries(service.env)) {
    if (reference.test(v)) {
      reference.lastIndex = 0;
      secret[k] = v.replace(reference, (_m, name: string) => secretValues[name] ?? '');
      delete plain[k];
    } else {
      plain[k] = v;
      delete secret[k];
    }
    reference.lastIndex = 0;
  }
  return { plain, secret };
}

/** What changed from one release's configuration to the next: keys, and secret versions (never values). */
export function configChanges(before: ReleaseConfig | null, after: ReleaseConfig): Record<string, unknown> {
  const flat = (c: ReleaseConfig | null): Map<string, string> => {
    const m = new Map<string, string>();
    for (const s of c?.services ?? []) {
      for (const [k, v] of Object.entries(s.env)) m.set(`${s.name}.${k}`, v);
      m.set(`${s.name}.start`, s.start);
      m.set(`${s.name}.instances`, String(s.instances));
    }
    return m;
  };
  const a = flat(before);
  const b = flat(after);
  const secretsA = new Map((before?.secretRefs ?? []).map((r) => [r.key, r]));
  const secretsB = new Map((after.secretRefs ?? []).map((r) => [r.key, r]));
  return {
    added: [...b.keys()].filter((k) => !a.has(k)),
    removed: [...a.keys()].filter((k) => !b.has(k)),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)),
    secrets: [
      ...[...secretsB.values()]
        .filter((r) => secretsA.get(r.key)?.version !== r.version || secretsA.get(r.key)?.group !== r.group)
        .map((r) => ({ key: r.key, group: r.group, from: secretsA.get(r.key)?.version ?? null, to: r.version })),
      ...[...secretsA.values()].filter((r) => !secretsB.has(r.key)).map((r) => ({ key: r.key, group: r.group, from: r.version, to: null })),
    ],
  };
}
