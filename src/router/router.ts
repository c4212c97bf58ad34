// The Router port, as the engine sees it: which releases (and which of their instances)
// serve a host, with what weights. The data plane resolves instance ids to ready targets.
import type { ReleaseMetrics, RouteTable } from './route-table.ts';

export interface DesiredBackend {
  release: string;
  weight: number;
  instances: string[];
}

export interface Router {
  setRoute(host: string, backends: DesiredBackend[]): Promise<void>;
  removeRoute(host: string): Promise<void>;
  /** What the router process itself applies now (never the store's copy). */
  applied(): Promise<RouteTable>;
  metrics(): Promise<ReleaseMetrics[]>;
}
