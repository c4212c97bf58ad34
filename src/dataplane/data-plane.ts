// The long-lived data plane: the edge router and the instance supervisor in one process that
// outlives the control plane. The control plane sends desired state over a local socket;
// routes name instance ids, and only READY instances of the supervisor become router targets.
// Routes with scaleToZeroMs let their idle instances sleep (scale-to-zero.ts).
import type { Sandbox } from '../sandbox/sandbox.ts';
import { NotFoundError, errorMessage } from '../errors.ts';
import type { DesiredRoute } from '../router/router.ts';
import type { RouteAccessLog, RouteTable } from '../router/route-table.ts';
import { EdgeRouter } from '../router/edge/edge-router.ts';
import { checkSticky } from '../router/edge/sticky-cookie.ts';
import { Supervisor } from '../runtime/process/supervisor.ts';
import type { InstanceSpec, InstanceStatus } from '../runtime/process/types.ts';
import type { InstanceLogLimits } from '../runtime/process/log-writer.ts';
import { accessLogDir, instanceLogDir, scratchDirOf, shimDirOf, statePathOf } from './data-plane-paths.ts';
import { defaultInstanceLogPolicy, environmentOfInstance, instanceShare, type InstanceLogPolicy } from './instance-log-policy.ts';
import { sweepInstanceLogs } from './sweep-instance-logs.ts';
import { loadDesiredState, saveDesiredState, type DesiredState } from './desired-state.ts';
import { endLeftovers } from './end-leftovers.ts';
import { SecretVault } from './secret-vault.ts';
import { DataPlaneCertificates } from './data-plane-certificates.ts';
import { ScaleToZero, type SleepingHost } from './scale-to-zero.ts';
import { checkScaleToZero } from './sleep-groups.ts';
import { AccessLogSpool } from './access-log-spool.ts';
import { instanceScope } from '../logs/instance-scope.ts';
import { FlagEndpoints } from './flag-endpoints.ts';

export interface DataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost?: string;
  /** The router's socket, already listening, inherited at this fd. */
  routerFd?: number;
  /** HTTPS port of the router (0: any free one); absent (and no httpsFd): no HTTPS listener. */
  httpsPort?: number;
  /** The HTTPS socket, already listening, inherited at this fd. */
  httpsFd?: number;
  path: string;
  home: string;
  log: (line: string) => void;
  /** Seals instances' secret variables in the persisted state. */
  masterKey?: Buffer;
  /** Former master keys: state sealed under one of them still opens (re-sealed at the next rekey). */
  previousMasterKeys?: Buffer[];
  /** How often idle routes are looked for (scale to zero); default 250 ms. */
  idleCheckMs?: number;
  /** How long a request to a sleeping host waits for it to wake; default 30000 ms. */
  wakeTimeoutMs?: number;
  /** Caps of instance logs; default defaultInstanceLogPolicy. */
  instanceLogs?: InstanceLogPolicy;
  /** How often instance logs are swept for the environment caps and ages; default 10000 ms. */
  logSweepMs?: number;
  /** Instances run inside this sandbox; null or absent: unsandboxed (`--sandbox none`). */
  sandbox?: Sandbox | null;
  /** OFREP's loopback port (--flags-port); absent: the one kept in <data>/dataplane/flags-port, else a free one. */
  flagsPort?: number;
  /** Evaluations per key per second before 429; default defaultFlagsRatePerKey. */
  flagsRatePerKey?: number;
}

/** An instance as GET /instances lists it: a sleeping one has no process, hence no pid or port. */
export type ListedInstance = Omit<InstanceStatus, 'state'> & {
  state: InstanceStatus['state'] | 'sleeping';
  labels: Record<string, string>;
  sleeping?: true;
  /** When it went to sleep (sleeping instances only). */
  sleepingSince?: string;
};

/** Time a removed instance keeps running after leaving the route, for requests already sent to it. */
const drainMs = 300;

export class DataPlane {
  readonly supervisor: Supervisor;
  private readonly vault: SecretVault;
  readonly router: EdgeRouter;
  private readonly statePath: string;
  private readonly state: DesiredState;
  private readonly scale: ScaleToZero;
  /** The router's access lines, spooled for the server's log ingester. */
  private readonly access: AccessLogSpool;
  /** TLS certificates of the router (sealed in the state); see data-plane-certificates.ts. */
  readonly certificates: DataPlaneCertificates;
  /** Flag evaluation over OFREP: its loopback port and /_sluice/ofrep on environments' hosts. */
  readonly flags: FlagEndpoints;
  private idleTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  routerPort = 0;
  readonly startedAt = new Date().toISOString();

  private readonly opts: DataPlaneOptions;

  constructor(opts: DataPlaneOptions) {
    this.opts = opts;
    this.statePath = statePathOf(opts.dataDir);
    this.state = loadDesiredState(this.statePath, opts.log);
    this.access = new AccessLogSpool(accessLogDir(opts.dataDir), instanceShare(this.logPolicy(), 1), opts.log);
    this.flags = new FlagEndpoints({
      dataDir: opts.dataDir,
      log: opts.log,
      ...(opts.flagsPort === undefined ? {} : { port: opts.flagsPort }),
      ...(opts.flagsRatePerKey === undefined ? {} : { ratePerKey: opts.flagsRatePerKey }),
    });
    this.router = new EdgeRouter({
      port: opts.routerPort,
      host: opts.routerHost,
      ...(opts.routerFd === undefined ? {} : { listenFd: opts.routerFd }),
      ...(opts.httpsPort === undefined ? {} : { httpsPort: opts.httpsPort }),
      ...(opts.httpsFd === undefined ? {} : { httpsFd: opts.httpsFd }),
      log: opts.log,
      onColdRoute: (host) => this.scale.onColdRoute(host),
      coldWaitMs: opts.wakeTimeoutMs ?? 30_000,
      onAccess: (line) => this.access.write(line),
      onSluicePath: (req, res, host) => this.flags.onRouterRequest(req, res, host),
      flagsOf: (scope) => this.flags.flags.lookup(scope.project, scope.environment)?.evaluator,
    });
    this.vault = new SecretVault(opts.masterKey ?? null, opts.previousMasterKeys);
    this.certificates = new DataPlaneCertificates({ state: this.state, vault: this.vault, router: this.router, save: () => this.save(), log: opts.log });
    this.supervisor = new Supervisor({
      path: opts.path,
      home: opts.home,
      secretEnv: (spec) => this.vault.env(spec.id, spec.sealedSecretEnv),
      shimDir: shimDirOf(opts.dataDir),
      onChange: (s) => this.onInstanceChange(s),
      logLimits: (spec) => this.logShareOf(spec.id),
      sandbox: opts.sandbox ?? null,
      scratchDir: scratchDirOf(opts.dataDir),
    });
    this.scale = new ScaleToZero({
      state: this.state,
      supervisor: this.supervisor,
      router: this.router,
      save: () => this.save(),
      applyRoutes: () => this.applyRoutes(),
      log: opts.log,
    });
  }

  /** The router's HTTPS port, once started; null without an HTTPS listener. */
  get httpsPort(): number | null {
    return this.router.httpsPort;
  }

  async start(): Promise<void> {
    // Before the listener: the first handshake already finds its certificate.
    await this.certificates.restore();
    // Flags serve from their stored state before any instance asks (and while the control plane is down).
    await this.flags.start();
    this.routerPort = await this.router.listen();
    // Instances an earlier data plane left running under their shims are adopted (same pid,
    // port and log); anything else it left (an instance without a shim) is ended.
    const adopted: string[] = [];
    for (const spec of Object.values(this.state.instances)) {
      if (this.scale.isSleeping(spec.id)) continue;
      try {
        const status = this.supervisor.adopt(spec);
        if (status) {
          adopted.push(`${spec.id} (${status.pid})`);
          this.scale.adopted(spec.id);
        }
      } catch (error) {
        this.opts.log(`error: instance ${spec.id} of the data-plane state cannot be adopted: ${errorMessage(error)}`);
      }
    }
    if (adopted.length) this.opts.log(`adopted ${adopted.length} running instance(s): ${adopted.join(', ')}`);
    const adoptedPids = new Set(this.supervisor.list().map((s) => s.pid));
    await endLeftovers(Object.fromEntries(Object.entries(this.state.pids).filter(([, pid]) => !adoptedPids.has(pid))), this.opts.dataDir, this.opts.log);
    this.state.pids = Object.fromEntries(this.supervisor.list().flatMap((s) => (s.pid === null ? [] : [[s.id, s.pid]])));
    this.save();
    // Restore what the last desired state asked for (after a reboot or a data-plane crash);
    // sleeping instances stay asleep until a request comes.
    for (const spec of Object.values(this.state.instances)) {
      if (this.scale.isSleeping(spec.id)) continue;
      this.scale.started(spec.id);
      try {
        this.supervisor.start(spec);
      } catch (error) {
        this.opts.log(`error: instance ${spec.id} of the data-plane state does not start: ${errorMessage(error)}`);
      }
    }
    this.scale.touch(Object.keys(this.state.routes));
    this.applyRoutes();
    this.idleTimer = setInterval(() => this.scale.tick(), this.opts.idleCheckMs ?? 250);
    this.idleTimer.unref();
    void this.sweepLogs();
    this.sweepTimer = setInterval(() => void this.sweepLogs(), this.opts.logSweepMs ?? 10_000);
    this.sweepTimer.unref();
  }

  /** An instance's share of its environment's log cap, among the environment's instances in the desired state. */
  private logShareOf(id: string): InstanceLogLimits {
    const env = environmentOfInstance(id);
    const count = Object.keys(this.state.instances).filter((other) => environmentOfInstance(other) === env).length;
    return instanceShare(this.logPolicy(), count);
  }

  private logPolicy(): InstanceLogPolicy {
    return this.opts.instanceLogs ?? defaultInstanceLogPolicy;
  }

  /** Keeps every environment's instance logs within its cap and age (see sweep-instance-logs.ts). */
  async sweepLogs(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const removed = await sweepInstanceLogs(instanceLogDir(this.opts.dataDir), this.logPolicy(), new Set(Object.keys(this.state.instances)), Date.now());
      // Access spool files are named PROJECT.ENV: the same sweep bounds them per environment.
      removed.push(...(await sweepInstanceLogs(accessLogDir(this.opts.dataDir), this.logPolicy(), this.access.liveKeys(), Date.now())));
      if (removed.length) this.opts.log(`instance logs: removed ${removed.length} file(s) past the environment cap or age`);
    } catch (error) {
      this.opts.log(`instance log sweep failed: ${errorMessage(error)}`);
    } finally {
      this.sweeping = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    clearInterval(this.sweepTimer);
    await this.scale.drain();
    await this.supervisor.stopAll();
    await this.router.close();
    await this.flags.close();
    await this.access.close();
  }

  /** Starts (or keeps) an instance; `secretEnv` is sealed before anything is written down. */
  async startInstance(plain: InstanceSpec, secretEnv: Record<string, string> = {}): Promise<InstanceStatus> {
    const sealedSecretEnv = this.vault.seal(plain.id, secretEnv);
    const spec: InstanceSpec = sealedSecretEnv ? { ...plain, sealedSecretEnv } : plain;
    this.state.instances[spec.id] = spec;
    this.save();
    // An explicit start wins over sleep: the instance is awake (once a stop for sleep has ended).
    this.scale.started(spec.id);
    await this.scale.settled(spec.id);
    // A failed instance stays listed until stopped; starting it again means a fresh try.
    if (this.supervisor.status(spec.id)?.state === 'failed') await this.supervisor.stop(spec.id);
    return this.supervisor.start(spec);
  }

  async stopInstance(id: string): Promise<void> {
    // An explicit stop wins over sleep: a deleted instance is never woken.
    this.scale.forget(id);
    if (this.state.instances[id]) {
      delete this.state.instances[id];
      this.save();
    }
    this.applyRoutes();
    await new Promise((r) => setTimeout(r, drainMs));
    await this.scale.settled(id);
    await this.supervisor.stop(id);
  }

  /** Resolves once the instance is ready; a sleeping one is woken first (with its group). */
  async waitReady(id: string, timeoutMs: number): Promise<InstanceStatus> {
    if (this.scale.isSleeping(id)) this.scale.wakeInstance(id, 'the control plane waits for it');
    await this.scale.settled(id);
    if (!this.supervisor.status(id)) throw new NotFoundError('instance', id);
    return this.supervisor.waitReady(id, timeoutMs);
  }

  setRoute(host: string, route: DesiredRoute): void {
    const key = host.toLowerCase();
    if (!Array.isArray(route)) {
      checkScaleToZero(key, route);
      checkSticky(route.sticky, key); // a bad one stored would make every later applyRoutes throw
    }
    this.state.routes[key] = route;
    this.save();
    this.scale.touch([key]);
    this.applyRoutes();
  }

  removeRoute(host: string): void {
    const key = host.toLowerCase();
    delete this.state.routes[key];
    this.save();
    this.scale.forgetHost(key);
    this.applyRoutes();
  }

  /** Wakes the sleeping instances behind a host (and the hosts sharing them); returns their ids. */
  wakeHost(host: string): string[] {
    return this.scale.wakeHost(host.toLowerCase(), 'asked by the control plane');
  }

  /** Running instances, then sleeping ones (state 'sleeping', no pid or port). */
  instances(): ListedInstance[] {
    const listed: ListedInstance[] = this.supervisor.list().map((s) => ({ ...s, labels: this.state.instances[s.id]?.labels ?? s.labels ?? {} }));
    const running = new Set(listed.map((s) => s.id));
    for (const [id, since] of Object.entries(this.state.sleeping)) {
      const spec = this.state.instances[id];
      if (!spec || running.has(id)) continue; // still stopping: listed as such until it is gone
      listed.push({
        id,
        state: 'sleeping',
        sleeping: true,
        sleepingSince: since,
        port: null,
        pid: null,
        restarts: 0,
        startedAt: null,
        readyAt: null,
        lastExit: null,
        reason: null,
        labels: spec.labels ?? {},
      });
    }
    return listed;
  }

  /** Hosts whose instances all sleep. */
  sleepingHosts(): SleepingHost[] {
    return this.scale.sleepingHosts();
  }

  private onInstanceChange(status: InstanceStatus): void {
    this.scale.onStatus(status);
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
      if (s.state === 'ready' && s.port !== null && this.state.instances[s.id] && !this.scale.isSleeping(s.id)) ready.set(s.id, s.port);
    }
    const table: RouteTable = {
      routes: Object.entries(this.state.routes).map(([host, stored]) => {
        const route: DesiredRoute = Array.isArray(stored) ? { backends: stored as DesiredRoute['backends'] } : stored;
        return {
          host,
          ...(route.headerRelease ? { headerRelease: route.headerRelease } : {}),
          ...(route.sticky ? { sticky: route.sticky } : {}),
          ...(route.hsts ? { hsts: route.hsts } : {}),
          ...(route.accessLog && !route.forward ? accessLogOf(route) : {}),
          ...(route.flagScope && !route.forward ? { flagScope: route.flagScope } : {}),
          // A forwarded host (the API's own name) has one fixed target, always there.
          backends: route.forward
            ? [{ release: 'forward', weight: 100, targets: [{ id: `forward:${route.forward.port}`, host: '127.0.0.1', port: route.forward.port }] }]
            : route.backends.map((b) => {
                const targets = b.instances.filter((id) => ready.has(id)).map((id) => ({ id, host: '127.0.0.1', port: ready.get(id)! }));
                const capacity = b.instances.length ? targets.length / b.instances.length : 0;
                return { release: b.release, weight: b.weight * capacity, targets };
              }),
        };
      }),
    };
    this.router.setRoutes(table);
    this.flags.setRoutes(this.state.routes);
  }

  /** The master key was rotated: re-seal the secrets in the persisted state. */
  rekey(next: Buffer): void {
    this.vault.rekey(next, this.state.instances, this.certificates.sealedValues());
    this.save();
  }

  private save(): void {
    saveDesiredState(this.statePath, this.state);
  }
}

/** A route's access log with the project, environment and service its instances (ids PROJECT.ENV.SERVICE.rN.I) name. */
function accessLogOf(route: DesiredRoute): { accessLog?: RouteAccessLog } {
  const id = route.backends.find((b) => b.instances.length > 0)?.instances[0];
  if (!route.accessLog || id === undefined) return {};
  const { project, environment, service } = instanceScope(id);
  if (environment === null || service === null) return {};
  return { accessLog: { sample: route.accessLog.sample, project, environment, service } };
}
