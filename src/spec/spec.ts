// The compiled pipeline file: defaults applied, durations in milliseconds, names in file
// order, frozen. This is what the engine and a release snapshot hold.
import { COUNT_LIMITS } from './limits.ts';
import type { EventKind } from '../events/platform-event.ts';
import type { NotificationFormat } from './notification-schema.ts';

import type { SandboxLimits } from '../sandbox/sandbox-limits.ts';
import type { AlertSpec } from './alert-spec.ts';

export const SPEC_DEFAULTS = {
  stepTimeoutMs: 600_000,
  stepNameLength: 40,
  healthIntervalMs: 1_000,
  healthTimeoutMs: 2_000,
  healthDeadlineMs: 60_000,
  instances: 1,
  /**
   * Every new instance of a rolling update starts at once (the cap is the schema's most; a service
   * has at most as many): one start's wait instead of one per instance (docs/decisions/0012).
   */
  maxSurge: COUNT_LIMITS.maxSurge,
  maxUnavailable: 0,
  scaleDownDelayMs: 600_000,
  analysisMinSamples: 20,
  analysisIntervalMs: 10_000,
  /** Per comparison and step: two comparisons keep a step's false-abort rate under 1%. */
  analysisAlpha: 0.005,
  /** The last environment (production, as a rule) bakes by default; `bake: 0` turns it off. */
  lastEnvironmentBakeMs: 60_000,
  /** Every other environment: no bake unless written. */
  bakeMs: 0,
  previewTtlMs: 48 * 3_600_000,
  /** `hsts: true`: one year, what browsers and the HSTS preload list expect. */
  hstsMaxAgeSeconds: 365 * 86_400,
} as const;

export type EnvVars = Readonly<Record<string, string>>;

export type StepSpec = {
  readonly name: string;
  readonly run: string;
  readonly timeoutMs: number;
  readonly env: EnvVars;
  /** false: no network in the step's sandbox. */
  readonly network: boolean;
  readonly limits: Readonly<SandboxLimits>;
};

export type HealthSpec = {
  /** HTTP path, starting with `/`. */
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Time an instance has to become healthy before it counts as failed. */
  readonly deadlineMs: number;
};

export type ServiceSpec = {
  readonly name: string;
  readonly start: string;
  /** null: no health check; an instance is ready once it listens on PORT. */
  readonly health: HealthSpec | null;
  readonly instances: number;
  readonly env: EnvVars;
  readonly limits: Readonly<SandboxLimits>;
};

export type AnalysisSpec = {
  /** Fraction 0..1 (`1%` → 0.01); null: not checked. */
  readonly maxErrorRate: number | null;
  readonly maxP99Ms: number | null;
  readonly minSamples: number;
  readonly intervalMs: number;
  readonly alpha: number;
};

export type CanaryStepSpec = {
  /** Percent of requests (1..100) sent to the new release. */
  readonly weight: number;
  /** How long to hold this weight: a number of ms (0 when no pause was written), or null: wait for a person. */
  readonly pauseMs: number | null;
};

export type StrategySpec =
  | { readonly kind: 'rolling'; readonly maxSurge: number; readonly maxUnavailable: number }
  | { readonly kind: 'blueGreen'; readonly scaleDownDelayMs: number; readonly analysis: AnalysisSpec | null }
  | { readonly kind: 'canary'; readonly steps: readonly CanaryStepSpec[]; readonly analysis: AnalysisSpec | null; readonly sticky?: boolean };

export type StrategyKind = StrategySpec['kind'];

export type ApproversSpec = {
  /** Token names and role names; null: no restriction beyond the deployer role. */
  readonly allow: readonly string[] | null;
  /** False: the token that triggered the run may not approve or reject it. */
  readonly allowSelf: boolean;
};

/** A custom domain; `certificate` null: ordered over ACME. */
export type DomainSpec = {
  readonly name: string;
  readonly certificate: { readonly group: string; readonly key: string } | null;
};

export type HstsSpec = {
  readonly maxAgeSeconds: number;
  readonly includeSubDomains: boolean;
};

export type AccessLogSpec = {
  readonly sample: number;
};

export type EnvironmentSpec = {
  readonly name: string;
  /** Lowercase, in file order. */
  readonly domains: readonly DomainSpec[];
  /** null: no Strict-Transport-Security header. */
  readonly hsts: HstsSpec | null;
  /** The router's access log into the log store: the share of requests logged (0 < sample ≤ 1); null: off. */
  readonly accessLog: AccessLogSpec | null;
  /** Secret groups in order; later groups win. */
  readonly secrets: readonly string[];
  readonly env: EnvVars;
  readonly verify: readonly StepSpec[];
  readonly approval: boolean;
  /** Who may approve or reject the gate: `allow` null means any deployer or admin. */
  readonly approvers: ApproversSpec;
  readonly strategy: StrategySpec;
  /** 0: no bake. Default 60 s on the last environment, 0 on the others. */
  readonly bakeMs: number;
  /** In file order; none: nothing is watched outside rollouts. */
  readonly alerts: readonly AlertSpec[];
  /** The span every alert figure of this environment is measured over. */
  readonly alertWindowMs: number;
};

export type PreviewsSpec = {
  /** Previews also answer pr-N.DOMAIN; null: only the router's own names. */
  readonly domain: string | null;
  readonly pullRequests: boolean;
  readonly secrets: readonly string[];
  /** What a fork's preview gets instead of `secrets` (and the most its build gets). */
  readonly forkSecrets: readonly string[];
  readonly ttlMs: number;
  /** null: never scale idle previews to zero. */
  readonly scaleToZeroMs: number | null;
  readonly env: EnvVars;
};

/** Empty lists mean no restriction (branches: the branch the project tracks). */
export type TriggersSpec = {
  readonly branches: readonly string[];
  readonly paths: readonly string[];
  readonly tags: readonly string[];
};

/** Where a project's platform events are sent (src/notifications). */
export type NotificationSpec = {
  /** An http(s) URL, or a `${{ secrets.NAME }}` reference resolved at delivery (never stored resolved). */
  readonly url: string;
  readonly format: NotificationFormat;
  /** Event kinds, or `['*']` for every kind. */
  readonly events: readonly (EventKind | '*')[];
};

export type Spec = {
  readonly build: readonly StepSpec[];
  readonly test: readonly StepSpec[];
  /** In file order; the first is the default service the router serves. */
  readonly services: readonly ServiceSpec[];
  readonly buildSecrets: readonly string[];
  /** In file order, which is the deploy order. */
  readonly environments: readonly EnvironmentSpec[];
  readonly previews: PreviewsSpec;
  readonly triggers: TriggersSpec;
  readonly notifications: readonly NotificationSpec[];
  /** The flag file's path in the repository (`flags:`); null: the project defines no flags. */
  readonly flags: string | null;
  /** `image:`: also build an OCI image of each run; null: the artifact only. */
  readonly image: ImageSpec | null;
};

export type ImageSpec = {
  /** The base image reference as written (validated by src/spec/image-reference.ts). */
  readonly base: string;
  /** Absolute; where the artifact's files are in the image and its working directory. */
  readonly workdir: string;
};
