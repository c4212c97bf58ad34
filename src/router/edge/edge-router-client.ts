// The Router port for the built-in edge router, which lives in the data-plane process.
import type { DataPlaneClient } from '../../dataplane/data-plane-client.ts';
import type { FlagVariantMetrics, ReleaseMetrics, RouteTable } from '../route-table.ts';
import type { TrafficAnswer, TrafficCursor } from '../traffic-answer.ts';
import type { DesiredBackend, DesiredRoute, HeaderPin, Router, SetRouteOptions } from '../router.ts';

export class EdgeRouterClient implements Router {
  private readonly client: DataPlaneClient;

  constructor(client: DataPlaneClient) {
    this.client = client;
  }

  /** `opts`: see DesiredRoute. */
  async setRoute(host: string, backends: DesiredBackend[], headerRelease?: HeaderPin, opts: SetRouteOptions = {}): Promise<void> {
    const route: DesiredRoute = headerRelease ? { backends, headerRelease } : { backends };
    if (opts.scaleToZeroMs !== undefined) route.scaleToZeroMs = opts.scaleToZeroMs;
    if (opts.sticky !== undefined) route.sticky = opts.sticky;
    if (opts.hsts !== undefined) route.hsts = opts.hsts;
    if (opts.accessLog !== undefined) route.accessLog = opts.accessLog;
    if (opts.flagScope !== undefined) route.flagScope = opts.flagScope;
    await this.client.request('PUT', `/routes/${encodeURIComponent(host)}`, route);
  }

  async removeRoute(host: string): Promise<void> {
    await this.client.request('DELETE', `/routes/${encodeURIComponent(host)}`);
  }

  applied(): Promise<RouteTable> {
    return this.client.request('GET', '/routes/applied');
  }

  metrics(): Promise<ReleaseMetrics[]> {
    return this.client.request('GET', '/metrics');
  }

  flagMetrics(): Promise<FlagVariantMetrics[]> {
    return this.client.request('GET', '/flag-metrics');
  }

  traffic(since?: TrafficCursor): Promise<TrafficAnswer> {
    return this.client.request('GET', since ? `/traffic?epoch=${encodeURIComponent(since.epoch)}&cursor=${since.cursor}` : '/traffic');
  }
}
