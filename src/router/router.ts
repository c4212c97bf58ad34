// The Router port, as the engine sees it: which releases (and which of their instances)
// serve a host, with what weights. The data plane resolves instance ids to ready targets.
import type { AccessLogPolicy, FlagScope, FlagVariantMetrics, Hsts, ReleaseMetrics, RouteTable, StickySessions } from './route-table.ts';
import type { TrafficAnswer, TrafficCursor } from './traffic-answer.ts';

export type { AccessLogPolicy, FlagScope, Hsts, StickySessions } from './route-table.ts';

export interface DesiredBackend {
  release: string;
  weight: number;
  instances: string[];
}

/** Pins requests carrying `header: value` to a release, whatever the weights (testers, previews). */
export interface HeaderPin {
  header: string;
  values: Record<string, string>;
}

/** Strict-Transport-Security (RFC 6797), sent by the router on HTTPS answers only. */
export type HstsPolicy = Hsts;

export interface DesiredRoute {
  backends: DesiredBackend[];
  headerRelease?: HeaderPin;
  /**
   * Scale to zero (previews): once every host routing to these instances has had no request
   * for this long, the data plane stops the instances (they sleep); the next request is held
   * while they start again. Absent: never sleeps.
   */
  scaleToZeroMs?: number;
  /** Sticky sessions: a cookie keeps a browser on one release (see StickySessions). */
  sticky?: StickySessions;
  /** Strict-Transport-Security on HTTPS responses (opt-in per environment). */
  hsts?: Hsts;
  /** The router's access log of this host, sampled, into the log store (opt-in per environment). */
  accessLog?: AccessLogPolicy;
  /** Every request for the host goes to 127.0.0.1:port (the API's own --public-url name); backends are then ignored. */
  forward?: { port: number };
  /** The environment the host serves, for variant attribution (see FlagScope); absent in state written before it. */
  flagScope?: FlagScope;
}

export interface SetRouteOptions {
  scaleToZeroMs?: number;
  sticky?: StickySessions;
  hsts?: HstsPolicy;
  accessLog?: AccessLogPolicy;
  flagScope?: FlagScope;
}

export interface Router {
  /**
   * `scaleToZeroMs`: the route's instances sleep after that long without a request, and wake on the next one.
   * `sticky`: a cookie keeps a browser on the release it was first routed to.
   */
  setRoute(host: string, backends: DesiredBackend[], headerRelease?: HeaderPin, opts?: SetRouteOptions): Promise<void>;
  removeRoute(host: string): Promise<void>;
  /** What the router process itself applies now (never the store's copy). */
  applied(): Promise<RouteTable>;
  metrics(): Promise<ReleaseMetrics[]>;
  /** The counters changed since `since`, compactly: what the alert evaluator reads every tick. */
  traffic(since?: TrafficCursor): Promise<TrafficAnswer>;
  /** Cumulative counters per (host, flag under a rollout, variant): what a flag rollout's analysis reads. */
  flagMetrics(): Promise<FlagVariantMetrics[]>;
}
