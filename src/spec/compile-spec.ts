// Raw (validated) file → compiled Spec: defaults, units, order, freeze.
import { parseDuration } from './duration.ts';
import { parsePercent } from './percent.ts';
import type { RawAnalysis, RawEnvironment, RawLimits, RawSpec, RawStep, RawStrategy } from './schema.ts';
import { normalizeHostName } from './host-name.ts';
import { parseSize } from './size.ts';
import { alertThreshold, type AlertSpec } from './alert-spec.ts';
import { ALERT_WINDOW_DEFAULT_MS } from './limits.ts';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from '../sandbox/sandbox-limits.ts';
import { SPEC_DEFAULTS } from './spec.ts';
import { DEFAULT_IMAGE_WORKDIR } from './image-key.ts';
import type { AccessLogSpec, AnalysisSpec, DomainSpec, EnvVars, HstsSpec, EnvironmentSpec, HealthSpec, ServiceSpec, Spec, StepSpec, StrategySpec } from './spec.ts';

type RawService = NonNullable<RawSpec['services']>[string];
type RawHealth = RawService['health'];

/**
 * `order` gives the keys of `services` and `environments` as written in the file: a JS
 * object would put integer-like names (`1`, `42`) first.
 */
export function compileSpec(raw: RawSpec, order: { services?: readonly string[]; environments?: readonly string[] } = {}): Spec {
  const services = raw.services ?? {};
  const environments = raw.environments ?? {};
  const spec: Spec = {
    build: (raw.build ?? []).map(compileStep),
    test: (raw.test ?? []).map(compileStep),
    services: inOrder(services, order.services).map(([name, service]) => compileService(name, service)),
    buildSecrets: raw.buildSecrets ?? [],
    environments: inOrder(environments, order.environments).map(([name, env], index, all): EnvironmentSpec => ({
      name,
      domains: (env.domains ?? []).map(compileDomain),
      hsts: compileHsts(env.hsts),
      accessLog: compileAccessLog(env.accessLog),
      secrets: env.secrets ?? [],
      env: compileEnv(env.env),
      verify: (env.verify ?? []).map(compileStep),
      approval: env.approval ?? false,
      approvers: Array.isArray(env.approvers) ? { allow: env.approvers, allowSelf: true } : { allow: env.approvers?.allow ?? null, allowSelf: env.approvers?.allowSelf ?? true },
      strategy: compileStrategy(env.strategy),
      bakeMs: env.bake !== undefined ? parseDuration(env.bake) : index === all.length - 1 ? SPEC_DEFAULTS.lastEnvironmentBakeMs : SPEC_DEFAULTS.bakeMs,
      ...compileAlerts(env),
    })),
    previews: {
      domain: raw.previews?.domain === undefined ? null : normalizeHostName(raw.previews.domain),
      pullRequests: raw.previews?.pullRequests ?? false,
      secrets: raw.previews?.secrets ?? [],
      forkSecrets: raw.previews?.forkSecrets ?? [],
      ttlMs: optionalDuration(raw.previews?.ttl) ?? SPEC_DEFAULTS.previewTtlMs,
      scaleToZeroMs: optionalDuration(raw.previews?.scaleToZero) ?? null,
      env: compileEnv(raw.previews?.env),
    },
    triggers: {
      branches: raw.triggers?.branches ?? [],
      paths: raw.triggers?.paths ?? [],
      tags: raw.triggers?.tags ?? [],
    },
    notifications: (raw.notifications ?? []).map((n) => ({ url: n.url.trim(), format: n.format ?? 'webhook', events: n.events })),
    flags: raw.flags ?? null,
    image: raw.image ? { base: raw.image.base, workdir: raw.image.workdir?.replace(/\/$/, '') ?? DEFAULT_IMAGE_WORKDIR } : null,
  };
  return deepFreeze(spec);
}

export function compileStep(step: RawStep): StepSpec {
  const run = String(step.run);
  return {
    name: step.name ?? defaultStepName(run),
    run,
    timeoutMs: optionalDuration(step.timeout) ?? SPEC_DEFAULTS.stepTimeoutMs,
    env: compileEnv(step.env),
    network: step.network ?? true,
    limits: compileLimits(step.limits),
  };
}

/** The first line of the command, cut to 40 characters. */
export function defaultStepName(run: string): string {
  const firstLine = run.trim().split('\n')[0] ?? '';
  return firstLine.slice(0, SPEC_DEFAULTS.stepNameLength).trim();
}

function compileAlerts(env: RawEnvironment): { alerts: AlertSpec[]; alertWindowMs: number } {
  const alertWindowMs = env.alertWindow === undefined ? ALERT_WINDOW_DEFAULT_MS : parseDuration(env.alertWindow);
  const alerts = (env.alerts ?? []).map((a): AlertSpec => {
    const comparison = a.above !== undefined ? 'above' : 'below';
    // The schema refused a threshold of another unit, so this is never null here.
    const threshold = alertThreshold(a.metric, (a.above ?? a.below)!, alertWindowMs) ?? 0;
    return { name: a.name, metric: a.metric, comparison, threshold, forMs: parseDuration(a.for), action: a.action ?? 'notify' };
  });
  return { alerts, alertWindowMs };
}

function compileDomain(domain: NonNullable<RawEnvironment['domains']>[number]): DomainSpec {
  if (typeof domain === 'string') return { name: normalizeHostName(domain), certificate: null };
  return { name: normalizeHostName(domain.name), certificate: domain.certificate ? { group: domain.certificate.group, key: domain.certificate.key } : null };
}

function compileHsts(hsts: RawEnvironment['hsts']): HstsSpec | null {
  if (hsts === undefined || hsts === false) return null;
  const object = hsts === true ? {} : hsts;
  return {
    maxAgeSeconds: object.maxAge === undefined ? SPEC_DEFAULTS.hstsMaxAgeSeconds : Math.round(parseDuration(object.maxAge) / 1000),
    includeSubDomains: object.includeSubDomains ?? false,
  };
}

/** `off`, false and a sample of 0 all mean off. */
function compileAccessLog(accessLog: RawEnvironment['accessLog']): AccessLogSpec | null {
  if (accessLog === undefined || accessLog === 'off' || accessLog === false) return null;
  if (accessLog === 'all' || accessLog === true) return { sample: 1 };
  const sample = parsePercent(accessLog.sample);
  return sample > 0 ? { sample } : null;
}

function compileService(name: string, service: RawService): ServiceSpec {
  return {
    name,
    start: String(service.start),
    health: compileHealth(service.health),
    instances: service.instances ?? SPEC_DEFAULTS.instances,
    env: compileEnv(service.env),
    limits: compileLimits(service.limits),
  };
}

function compileLimits(raw: RawLimits | undefined): SandboxLimits {
  const size = (v: string | number | undefined, fallback: number): number => (v === undefined ? fallback : typeof v === 'number' ? v : parseSize(v));
  const d = DEFAULT_SANDBOX_LIMITS;
  return {
    memoryBytes: size(raw?.memory, d.memoryBytes),
    processes: raw?.processes ?? d.processes,
    openFiles: raw?.openFiles ?? d.openFiles,
    fileSizeBytes: size(raw?.fileSize, d.fileSizeBytes),
  };
}

function compileHealth(health: RawHealth): HealthSpec | null {
  if (health === undefined) return null;
  const object = typeof health === 'string' ? { path: health } : health;
  return {
    path: object.path,
    intervalMs: optionalDuration(object.interval) ?? SPEC_DEFAULTS.healthIntervalMs,
    timeoutMs: optionalDuration(object.timeout) ?? SPEC_DEFAULTS.healthTimeoutMs,
    deadlineMs: optionalDuration(object.deadline) ?? SPEC_DEFAULTS.healthDeadlineMs,
  };
}

function compileStrategy(strategy: RawStrategy | undefined): StrategySpec {
  if (strategy === undefined || strategy === 'rolling' || strategy.rolling !== undefined) {
    const rolling = typeof strategy === 'object' ? strategy.rolling : undefined;
    return {
      kind: 'rolling',
      maxSurge: rolling?.maxSurge ?? SPEC_DEFAULTS.maxSurge,
      maxUnavailable: rolling?.maxUnavailable ?? SPEC_DEFAULTS.maxUnavailable,
    };
  }
  if (strategy.canary !== undefined) {
    return {
      kind: 'canary',
      steps: strategy.canary.steps.map((step) => ({
        weight: step.weight,
        // `pause: {}` waits for a person; no pause moves on at once.
        pauseMs: step.pause === undefined ? 0 : typeof step.pause === 'object' ? null : parseDuration(step.pause),
      })),
      analysis: compileAnalysis(strategy.canary.analysis),
      ...(strategy.canary.sticky ? { sticky: true } : {}),
    };
  }
  const blueGreen = strategy.blueGreen;
  return {
    kind: 'blueGreen',
    scaleDownDelayMs: optionalDuration(blueGreen?.scaleDownDelay) ?? SPEC_DEFAULTS.scaleDownDelayMs,
    analysis: null,
  };
}

export function compileAnalysis(analysis: RawAnalysis | undefined): AnalysisSpec | null {
  if (analysis === undefined) return null;
  return {
    maxErrorRate: analysis.maxErrorRate === undefined ? null : parsePercent(analysis.maxErrorRate),
    maxP99Ms: optionalDuration(analysis.maxP99) ?? null,
    minSamples: analysis.minSamples ?? SPEC_DEFAULTS.analysisMinSamples,
    intervalMs: optionalDuration(analysis.interval) ?? SPEC_DEFAULTS.analysisIntervalMs,
    alpha: analysis.alpha ?? SPEC_DEFAULTS.analysisAlpha,
  };
}

function compileEnv(env: Record<string, string | number | boolean> | undefined): EnvVars {
  return Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));
}

function optionalDuration(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration(value);
}

function inOrder<T>(record: Record<string, T>, order: readonly string[] | undefined): [string, T][] {
  const keys = order?.filter((key) => Object.hasOwn(record, key)) ?? Object.keys(record);
  return keys.map((key) => [key, record[key] as T]);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
