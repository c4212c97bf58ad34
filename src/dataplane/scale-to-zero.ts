// Scale to zero inside the data plane: idle groups of instances are stopped (their specs stay,
// marked sleeping in the persisted desired state) and woken by the next request, which the
// router holds meanwhile. Activity comes from the router's per-host counters, sampled on a
// timer, so the request path pays nothing for it.
import { errorMessage } from '../errors.ts';
import type { EdgeRouter } from '../router/edge/edge-router.ts';
import type { Supervisor } from '../runtime/process/supervisor.ts';
import type { InstanceStatus } from '../runtime/process/types.ts';
import type { DesiredState } from './desired-state.ts';
import { sleepGroups, type SleepGroup } from './sleep-groups.ts';

export interface ScaleToZeroDeps {
  /** The data plane's desired state, mutated in place (then `save`). */
  state: DesiredState;
  supervisor: Supervisor;
  router: EdgeRouter;
  save: () => void;
  applyRoutes: () => void;
  log: (line: string) => void;
}

/** A host whose instances all sleep. */
export interface SleepingHost {
  host: string;
  instances: string[];
  /** When the last of its instances went to sleep. */
  since: string;
}

export class ScaleToZero {
  /** Per host: the last request count seen and when it last changed (or the host was touched). */
  private readonly seen = new Map<string, { requests: number; activeAt: number }>();
  /** When each instance was last started or woken: a fresh instance gets a full idle period. */
  private readonly awakeSince = new Map<string, number>();
  /** Stops of instances going to sleep; a wake or a re-PUT waits for them (the supervisor knows the id until then). */
  private readonly stops = new Map<string, Promise<void>>();
  /** Woken and not ready yet: requests to their hosts are held, not refused. */
  private readonly waking = new Set<string>();

  private readonly deps: ScaleToZeroDeps;

  constructor(deps: ScaleToZeroDeps) {
    this.deps = deps;
  }

  isSleeping(id: string): boolean {
    return this.deps.state.sleeping[id] !== undefined;
  }

  /** Marks hosts active now (a route set, a data plane start). */
  touch(hosts: Iterable<string>, now = Date.now()): void {
    for (const host of hosts) {
      const entry = this.seen.get(host);
      if (entry) entry.activeAt = now;
      else this.seen.set(host, { requests: -1, activeAt: now });
    }
  }

  forgetHost(host: string): void {
    this.seen.delete(host);
  }

  /** An instance started (or re-PUT) by the control plane: awake, whatever it was. */
  started(id: string): void {
    this.awakeSince.set(id, Date.now());
    if (this.isSleeping(id)) {
      delete this.deps.state.sleeping[id];
      this.deps.save();
    }
  }

  /**
   * An instance adopted from an earlier data plane: requests for its hosts are held (as for a
   * wake) until its first health check passes, a few milliseconds, rather than answered 503.
   */
  adopted(id: string): void {
    this.awakeSince.set(id, Date.now());
    this.waking.add(id);
  }

  /** An instance deleted by the control plane: never woken again. */
  forget(id: string): void {
    this.awakeSince.delete(id);
    this.waking.delete(id);
    if (this.isSleeping(id)) {
      delete this.deps.state.sleeping[id];
      this.deps.save();
    }
  }

  /** Resolves once a stop for sleep of this instance (if any) has ended. */
  async settled(id: string): Promise<void> {
    await this.stops.get(id);
  }

  /** Supervisor changes: a woken instance that is ready (or failed for good) is no longer waking. */
  onStatus(status: InstanceStatus): void {
    // Idle time counts from readiness: a start slower than the idle time must not sleep at once.
    if (status.state === 'ready' && this.awakeSince.has(status.id)) this.awakeSince.set(status.id, Date.now());
    if (!this.waking.has(status.id)) return;
    if (status.state === 'ready') this.waking.delete(status.id);
    else if (status.state === 'failed') {
      this.waking.delete(status.id);
      // Nothing left to wait for: held requests get their 503 now rather than at their deadline.
      const group = this.groupOfInstance(status.id);
      if (group && !group.instances.some((id) => this.waking.has(id))) for (const host of group.hosts) this.deps.router.stopHolding(host);
    }
  }

  /** The router's onColdRoute: wakes the host's group if it sleeps; true while it is waking. */
  onColdRoute(host: string): boolean {
    const group = this.groupOf(host);
    if (!group) return false;
    const asleep = group.instances.filter((id) => this.deps.state.instances[id] && this.isSleeping(id));
    if (asleep.length) {
      this.wake(asleep, `a request for ${host}`);
      return true;
    }
    return group.instances.some((id) => this.waking.has(id));
  }

  /** Wakes the sleeping instances of a host's group; returns their ids. */
  wakeHost(host: string, why: string): string[] {
    const group = this.groupOf(host);
    const asleep = (group?.instances ?? []).filter((id) => this.deps.state.instances[id] && this.isSleeping(id));
    if (asleep.length) this.wake(asleep, why);
    return asleep;
  }

  /** Wakes one instance with the rest of its group (or alone when no route names it). */
  wakeInstance(id: string, why: string): void {
    const group = this.groupOfInstance(id);
    const ids = (group?.instances ?? [id]).filter((i) => this.deps.state.instances[i] && this.isSleeping(i));
    if (ids.length) this.wake(ids, why);
  }

  private wake(ids: string[], why: string): void {
    const { state } = this.deps;
    const now = Date.now();
    for (const id of ids) {
      delete state.sleeping[id];
      this.awakeSince.set(id, now);
      this.waking.add(id);
    }
    this.deps.save();
    this.deps.log(`scale to zero: waking ${ids.join(', ')} (${why})`);
    for (const id of ids) {
      const pending = this.stops.get(id);
      if (pending) void pending.then(() => this.startAwake(id));
      else this.startAwake(id);
    }
  }

  private startAwake(id: string): void {
    const spec = this.deps.state.instances[id];
    // Deleted, or put to sleep again, while an earlier stop was ending.
    if (!spec || this.isSleeping(id)) return;
    try {
      this.deps.supervisor.start(spec);
    } catch (error) {
      this.waking.delete(id);
      this.deps.log(`scale to zero: cannot wake ${id}: ${errorMessage(error)}`);
    }
  }

  /**
   * One pass: samples the router's counters, puts idle groups to sleep, and wakes sleeping
   * instances whose routes no longer scale to zero.
   */
  tick(now = Date.now()): void {
    for (const sample of this.deps.router.hostActivity()) {
      const entry = this.seen.get(sample.host);
      if (!entry) this.seen.set(sample.host, { requests: sample.requests, activeAt: now });
      else if (entry.requests !== sample.requests || sample.open > 0) {
        entry.requests = sample.requests;
        entry.activeAt = now;
      }
    }
    const { state } = this.deps;
    for (const group of sleepGroups(state.routes)) {
      const known = group.instances.filter((id) => state.instances[id]);
      const asleep = known.filter((id) => this.isSleeping(id));
      const ms = group.scaleToZeroMs;
      if (ms === null) {
        if (asleep.length) this.wake(asleep, `${group.hosts.join(', ')} no longer scale to zero`);
        continue;
      }
      const awake = known.filter((id) => !this.isSleeping(id));
      // A group still waking is not idle: its held requests wait for it (a slow start must not flap).
      if (!awake.length || awake.some((id) => this.waking.has(id) || this.deps.supervisor.status(id)?.state === 'starting')) continue;
      const idle = (at: number | undefined): boolean => at === undefined || now - at >= ms;
      if (!group.hosts.every((h) => idle(this.seen.get(h)?.activeAt))) continue;
      if (!awake.every((id) => idle(this.awakeSince.get(id)))) continue;
      this.sleep(awake, group.hosts, ms);
    }
  }

  private sleep(ids: string[], hosts: string[], ms: number): void {
    const at = new Date().toISOString();
    for (const id of ids) {
      this.deps.state.sleeping[id] = at;
      this.waking.delete(id);
    }
    this.deps.save();
    this.deps.applyRoutes(); // out of the router first, then the processes end
    this.deps.log(`scale to zero: ${hosts.join(', ')} idle for ${ms} ms: stopping ${ids.join(', ')}`);
    for (const id of ids) {
      const stop = this.deps.supervisor
        .stop(id)
        .catch((error: unknown) => this.deps.log(`scale to zero: stopping ${id}: ${errorMessage(error)}`))
        .finally(() => {
          if (this.stops.get(id) === stop) this.stops.delete(id);
        });
      this.stops.set(id, stop);
    }
  }

  /** Sleeping stops still running (the data plane waits for them when it stops). */
  async drain(): Promise<void> {
    await Promise.all(this.stops.values());
  }

  /** Hosts whose every known instance sleeps. */
  sleepingHosts(): SleepingHost[] {
    const { state } = this.deps;
    const out: SleepingHost[] = [];
    for (const group of sleepGroups(state.routes)) {
      const known = group.instances.filter((id) => state.instances[id]);
      if (!known.length || !known.every((id) => this.isSleeping(id))) continue;
      const since = known.map((id) => state.sleeping[id]!).sort().at(-1)!;
      for (const host of group.hosts) out.push({ host, instances: known, since });
    }
    return out;
  }

  private groupOf(host: string): SleepGroup | undefined {
    return sleepGroups(this.deps.state.routes).find((g) => g.hosts.includes(host));
  }

  private groupOfInstance(id: string): SleepGroup | undefined {
    return sleepGroups(this.deps.state.routes).find((g) => g.instances.includes(id));
  }
}
