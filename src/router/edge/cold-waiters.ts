// Requests held for a host whose instances are waking (scale to zero): they wait, keyed by
// host, until a table swap gives the host a target (then they are dispatched again) or
// until their own deadline (then they get an answer of their own, e.g. 503).

interface Waiter {
  readonly retry: () => void;
  readonly expire: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class ColdWaiters {
  private readonly byHost = new Map<string, Set<Waiter>>();

  private readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Holds one request; the returned function lets it go silently (its client left). */
  hold(host: string, retry: () => void, expire: () => void): () => void {
    let set = this.byHost.get(host);
    if (!set) {
      set = new Set();
      this.byHost.set(host, set);
    }
    const waiter: Waiter = { retry, expire, timer: undefined };
    const waiting = set;
    const remove = (): boolean => {
      if (!waiting.delete(waiter)) return false;
      clearTimeout(waiter.timer);
      if (waiting.size === 0 && this.byHost.get(host) === waiting) this.byHost.delete(host);
      return true;
    };
    waiter.timer = setTimeout(() => {
      if (remove()) expire();
    }, this.timeoutMs);
    set.add(waiter);
    return () => void remove();
  }

  /** After a table swap: every host that `ready` accepts lets its requests go on. */
  release(ready: (host: string) => boolean): void {
    for (const [host, set] of [...this.byHost]) {
      if (!ready(host)) continue;
      this.byHost.delete(host);
      for (const waiter of set) {
        clearTimeout(waiter.timer);
        waiter.retry();
      }
    }
  }

  /** Expires the requests held for one host now (its wake failed). */
  expireHost(host: string): void {
    const set = this.byHost.get(host);
    if (!set) return;
    this.byHost.delete(host);
    for (const waiter of set) {
      clearTimeout(waiter.timer);
      waiter.expire();
    }
  }

  /** Expires every held request now (the router closes). */
  expireAll(): void {
    for (const host of [...this.byHost.keys()]) this.expireHost(host);
  }

  /** Hosts with held requests, and how many. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.byHost].map(([host, set]) => [host, set.size]));
  }
}
