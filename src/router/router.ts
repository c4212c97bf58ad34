// The Router port, as the engine sees it: which releases (and which of their instances)
// serve a host, with what weights. The data plane resolves instance ids to ready targets.
import type { Hsts, ReleaseMetrics, RouteTable, StickySessions } from './route-table.ts';

export type { Hsts, StickySessions } from './route-table.ts';

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
  /** Every request for the host goes to 127.0.0.1:port (the API's own --public-url name); backends are then ignored. */
  forward?: { port: number };
}

export interface SetRouteOptions {
  scaleToZeroMs?: number;
  sticky?: StickySessions;
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
}
