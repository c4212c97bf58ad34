// Work that must run on exactly one of several servers sharing a store (the alert evaluator):
// a named lease in the store, renewed a third of the way through, taken over when it lapses or
// at once when its holder is a dead process on this host (lease-owner.ts). A server that stops
// frees it, so another takes over within one try instead of one lease.
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { isHolderDead, pidAlive } from './lease-owner.ts';

export interface SingletonLeaseDeps {
  store: Pick<Store, 'acquireLease' | 'getLease' | 'releaseLease'>;
  clock: Clock;
  name: string;
  owner: string;
  hostname: string;
  leaseMs: number;
  alive?: (pid: number) => boolean;
}

export class SingletonLease {
  private readonly deps: SingletonLeaseDeps;
  /** When the lease this server holds lapses (ms); -Infinity when it holds none. */
  private heldUntil = -Infinity;
  private triedAt = -Infinity;

  constructor(deps: SingletonLeaseDeps) {
    this.deps = deps;
  }

  /**
   * True while this server holds the lease (taking or renewing it when due). A server that
   * does not hold it asks the store again only every fifth of a lease.
   */
  async hold(): Promise<boolean> {
    const { store, clock, name, owner, leaseMs } = this.deps;
    const now = clock.now().getTime();
    if (now < this.heldUntil - (2 * leaseMs) / 3) return true;
    if (this.heldUntil === -Infinity && now - this.triedAt < leaseMs / 5) return false;
    this.triedAt = now;
    const until = new Date(now + leaseMs).toISOString();
    const at = new Date(now).toISOString();
    let held = await store.acquireLease(name, owner, until, at);
    if (!held) {
      const holder = await store.getLease(name);
      if (holder && isHolderDead(holder.owner, owner, this.deps.hostname, this.deps.alive ?? pidAlive)) held = await store.acquireLease(name, owner, until, at, holder.owner);
    }
    this.heldUntil = held ? now + leaseMs : -Infinity;
    return held;
  }

  async release(): Promise<void> {
    if (this.heldUntil === -Infinity) return;
    this.heldUntil = -Infinity;
    await this.deps.store.releaseLease(this.deps.name, this.deps.owner);
  }
}
