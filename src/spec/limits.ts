// Bounds of every duration and count in sluice.yaml. A value outside them is refused by
// `sluice validate` (and the checkout stage) with the bound in the message, instead of
// failing later: a duration past Node's timer limit fires after 1 ms, and a list of 50,000
// steps overflows the store's SQL statements.

/** Node's setTimeout takes at most 2^31-1 ms (≈ 24.8 days); longer delays fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

export type DurationBound = { readonly minMs: number; readonly maxMs: number };

export const DURATION_LIMITS = {
  stepTimeout: { minMs: 1 * S, maxMs: 24 * H },
  healthInterval: { minMs: 100, maxMs: 10 * M },
  healthTimeout: { minMs: 100, maxMs: 10 * M },
  healthDeadline: { minMs: 1 * S, maxMs: 1 * H },
  maxP99: { minMs: 1, maxMs: 10 * M },
  analysisInterval: { minMs: 1 * S, maxMs: 1 * H },
  /** 0: no pause. */
  canaryPause: { minMs: 0, maxMs: 7 * D },
  /** 0: stop the old release at the switch. */
  scaleDownDelay: { minMs: 0, maxMs: 7 * D },
  /** 0: no bake. */
  bake: { minMs: 0, maxMs: 24 * H },
  ttl: { minMs: 1 * S, maxMs: 24 * D },
  scaleToZero: { minMs: 1 * S, maxMs: 7 * D },
  /** The span an alert figure is measured over. */
  alertWindow: { minMs: 1 * S, maxMs: 10 * M },
  /** How long a breach lasts before an alert fires (at least its window). */
  alertFor: { minMs: 1 * S, maxMs: 24 * H },
} as const satisfies Record<string, DurationBound>;

/**
 * HSTS max-age: a header value, never a timer (so not in DURATION_LIMITS). 0 tells browsers to
 * forget the policy (RFC 6797 §6.1.1); two years is what the preload list asks for.
 */
export const HSTS_MAX_AGE: DurationBound = { minMs: 0, maxMs: 730 * D };

/** Bounds of the sandbox limits (`limits:` of a step or service). */
export const SANDBOX_LIMIT_BOUNDS = {
  /** Below this, not even Node starts. */
  memoryBytes: { min: 64 * 1024 ** 2, max: 1024 ** 4 },
  processes: { min: 8, max: 1_000_000 },
  openFiles: { min: 16, max: 1_048_576 },
  fileSizeBytes: { min: 1024 ** 2, max: 1024 ** 4 },
} as const;

/** The evaluation window of an environment's alerts unless `alertWindow` says otherwise. */
export const ALERT_WINDOW_DEFAULT_MS = 10 * S;

export const COUNT_LIMITS = {
  /** The file itself: a bigger file is refused before it is parsed. */
  fileBytes: 1024 * 1024,
  /** Steps of one list (build, test, an environment's verify): each is a row written in one statement. */
  steps: 100,
  services: 20,
  environments: 20,
  instances: 100,
  maxSurge: 100,
  maxUnavailable: 100,
  canarySteps: 20,
  minSamples: 1_000_000,
  /** Variables of one `env` map, and their bytes (`KEY=value` and a NUL each, as the kernel counts them). */
  envKeys: 256,
  envBytes: 64 * 1024,
  /** A command's bytes: Linux refuses a single argument over 128 KiB. */
  commandBytes: 64 * 1024,
  stepNameLength: 200,
  secretGroups: 32,
  /** Custom domains of one environment: they share one certificate, and Let's Encrypt puts at most 100 names on one. */
  domains: 100,
  /** Entries of one environment's approvers list. */
  approvers: 100,
  triggerPatterns: 100,
  /** Places one project's events are sent to. */
  notificationTargets: 20,
  triggerPatternLength: 256,
  /** Alerts of one environment: each is evaluated every second. */
  alerts: 50,
} as const;
