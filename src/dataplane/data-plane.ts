// The long-lived data plane: the edge router and the instance supervisor in one process that
// outlives the control plane. The control plane sends desired state over a local socket;
// routes name instance ids, and only READY instances of the supervisor become router targets.
import path from 'node:path';
import type { DesiredRoute } from '../router/router.ts';
import type { RouteTable } from '../router/route-table.ts';
import { EdgeRouter } from '../router/edge/edge-router.ts';
import { Supervisor } from '../runtime/process/supervisor.ts';
import type { InstanceSpec, InstanceStatus } from '../runtime/process/types.ts';
import { statePathOf } from './data-plane-paths.ts';
import { loadDesiredState, saveDesiredState, type DesiredState } from './desired-state.ts';
import { endLeftovers } from './end-leftovers.ts';

export interface DataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost?: string;
  path: string;
  home: string;
  log: (line: string) => void;
}

/** Time a removed instance keeps running after leaving the route, for requests already sent to it. */
const drainMs = 300;

export class DataPlane {
  readonly supervisor: Supervisor;
  readonly router: EdgeRouter;
  private readonly statePath: string;
  private state: DesiredState;
  routerPort = 0;
  readonly startedAt = new Date().toISOString();

  constructor(private readonly opts: DataPlaneOptions) {
    this.statePath = statePathOf(opts.dataDir);
    this.state = loadDesiredState(this.statePath);
    this.router = new EdgeRouter({ port: opts.routerPort, host: opts.routerHost, log: opts.log });
    this.supervisor = new Supervisor({
      path: opts.path,
      home: opts.home,
      onChange: (s) => this.onInstanceChange(s),
    });
  }

  async start(): Promise<void> {
    this.routerPort = await this.router.listen();
    await endLeftovers(this.state.pids, this.opts.dataDir, this.opts.log);
    this.state.pids = {};
    // Restore what the last desired state asked for (after a reboot or a data-plane crash).
    for (const spec of Object.values(this.state.instances)) this.supervisor.start(spec);
    this.applyRoutes();
  }

  async stop(): Promise<void> {
    await this.supervisor.stopAll();
    await this.router.close();
  }

  async startInstance(spec: InstanceSpec): Promise<InstanceStatus> {
    this.state.instances[spec.id] = spec;
    this.save();
    // A failed instance stays listed until stopped; starting it again means a fresh try.
    if (this.supervisor.status(spec.id)?.state === 'failed') await this.supervisor.stop(spec.id);
    return this.supervisor.start(spec);
  }

  async stopInstance(id: string): Promise<void> {
    if (this.state.instances[id]) {
      delete this.state.instances[id];
      this.save();
    }
    this.applyRoutes();
    await new Promise((r) => setTimeout(r, drainMs));
    await this.supervisor.stop(id);
  }

  setRoute(host: string, route: DesiredRoute): void {
    this.state.routes[host.toLowerCase()] = route;
    this.save();
    this.applyRoutes();
  }

  removeRoute(host: string): void {
    delete this.state.routes[host.toLowerCase()];
    this.save();
    this.applyRoutes();
  }

  instances(): Array<InstanceStatus & { labels: Record<string, string> }> {
    return this.supervisor.list().map((s) => ({ ...s, labels: this.state.instances[s.id]?.labels ?? s.labels ?? {} }));
  }

  private onInstanceChange(status: InstanceStatus): void {
    if (status.pid !== null && this.state.pids[status.id] !== status.pid) {
      this.state.pids[status.id] = status.pid;
      this.save();
    } else if (status.state === 'stopped' && this.state.pids[status.id] !== undefined) {
      delete this.state.pids[status.id];
      this.save();
    }
    if (status.state === 'ready' || status.state === 'stopping' || status.state === 'unhealthy' || status.state === 'crashed' || status.state === 'failed') {
      this.applyRoutes();
    }
  }

  /**
   * Routes → router targets: only instances still desired and ready now. A release's weight
   * follows its ready capacity (2 of 4 instances ready: half its weight), so the router never
   * sends a release more traffic than its ready instances can carry.
   */
  private applyRoutes(): void {
    const ready = new Map<string, number>();
    for (const s of this.supervisor.list()) {
      if (s.state === 'ready' && s.port !== null && this.state.instances[s.id]) ready.set(s.id, s.port);
    }
    const table: RouteTable = {
      routes: Object.entries(this.state.routes).map(([host, stored]) => {
        const route: DesiredRoute = Array.isArray(stored) ? { backends: stored as DesiredRoute['backends'] } : stored;
        return {
          host,
          ...(route.headerRelease ? { headerRelease: route.headerRelease } : {}),
          backends: route.backends.map((b) => {
            const targets = b.instances.filter((id) => ready.has(id)).map((id) => ({ id, host: '127.0.0.1', port: ready.get(id)! }));
            const capacity = b.instances.length ? targets.length / b.instances.length : 0;
            return { release: b.release, weight: b.weight * capacity, targets };
          }),
        };
      }),
    };
    this.router.setRoutes(table);
  }

  private save(): void {
    saveDesiredState(this.statePath, this.state);
  }

  logDir(): string {
    return path.join(this.opts.dataDir, 'logs', 'instances');
  }
}
