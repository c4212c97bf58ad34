// The contract between the engine (which decides who gets traffic) and a router driver
// (which applies it). Plain data, so it can cross a socket to the data-plane process.

/** One READY instance, reachable over HTTP/1.1 (normally on 127.0.0.1). */
export interface RouteTarget {
  id: string;
  host: string;
  port: number;
}

/** A release behind a host. `weight` is its share (0..100) among the route's backends. */
export interface RouteBackend {
  release: string;
  weight: number;
  targets: RouteTarget[];
}

export interface Route {
  /** Host name without port; matched case-insensitively. */
  host: string;
  backends: RouteBackend[];
  /** Pins a request to a release by a header value (e.g. `x-sluice-release: r7`), whatever the weights. */
  headerRelease?: { header: string; values: Record<string, string> };
  /** Sticky sessions: a cookie keeps a browser on the release it was first routed to. */
  sticky?: StickySessions;
  /** Strict-Transport-Security on this host's HTTPS responses (never on plain HTTP ones). */
  hsts?: Hsts;
  /** Access log lines of this host's requests, a `sample` share of them. */
  accessLog?: RouteAccessLog;
  /** The environment whose flags the host's users are evaluated against (variant attribution). */
  flagScope?: FlagScope;
}

/**
 * The environment a host serves, for its flags: when the data plane serves flags for it, the
 * router resolves each request's targeting key (x-sluice-user header, else the sluice-uid
 * cookie, else a new one it sets), passes it to the instance as x-sluice-user, and counts the
 * request under the variant its user gets of each flag under a rollout (docs/decisions/0039).
 */
export interface FlagScope {
  project: string;
  environment: string;
}

/** The share of requests the router writes to the access log: 0 < sample ≤ 1 (1: every request). */
export interface AccessLogPolicy {
  sample: number;
}

/** What the data plane tells the router about a host's access log: the policy and whose host it is. */
export interface RouteAccessLog extends AccessLogPolicy {
  project: string;
  environment: string;
  /** The service the host serves. */
  service: string;
}

export interface Hsts {
  maxAgeSeconds: number;
  includeSubDomains: boolean;
}

/**
 * A request whose `cookie` names a release that takes traffic now (weight > 0, ready
 * targets) goes to that release; any other is routed by weight and its response gets
 * `Set-Cookie: <cookie>=<release>; Path=/; HttpOnly; SameSite=Lax[; Max-Age=n]` (after the
 * app's own Set-Cookie headers). The header pin wins over the cookie and never sets it.
 */
export interface StickySessions {
  /** Cookie name, an RFC 9110 token (e.g. 'sluice-release'). */
  cookie: string;
  /** Cookie lifetime (positive integer); absent: a session cookie. */
  maxAgeSeconds?: number;
}

export interface RouteTable {
  routes: Route[];
}

/**
 * Cumulative counters for one (host, release). `latency.counts` is a cumulative histogram in
 * milliseconds: counts[i] = requests that took <= bounds[i]; it has one more entry than
 * `bounds`, the +Inf bucket, which equals the number of timed requests. (Infinity is kept
 * out of `bounds` so the object survives JSON.)
 */
export interface ReleaseMetrics {
  release: string;
  host: string;
  requests: number;
  errors5xx: number;
  /** Responses by status class ('2xx', …); absent from data planes older than the metrics endpoint. */
  statusClasses?: Partial<Record<StatusClass, number>>;
  connectFailures: number;
  latency: { bounds: number[]; counts: number[]; sum: number };
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/**
 * Cumulative counters for one (host, flag, variant): the requests the router attributed to
 * the variant of a flag under a rollout that their user gets (the same fractional bucket the
 * evaluation computes from the targeting key). Same counters and histogram as ReleaseMetrics.
 */
/**
 * The variant name the router counts a request under when the flag gives its user no variant
 * (disabled, not found, an evaluation error): the app then runs its code default.
 */
export const noVariant = '(default)';

export interface FlagVariantMetrics {
  host: string;
  /** The data plane's flag scope of the host. */
  project: string;
  environment: string;
  flag: string;
  variant: string;
  requests: number;
  errors5xx: number;
  connectFailures: number;
  latency: { bounds: number[]; counts: number[]; sum: number };
}
