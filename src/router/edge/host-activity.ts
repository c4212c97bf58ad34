// Cheap per-host activity for scale to zero: a request counter and the number of open
// exchanges (long polls, SSE, WebSockets count as activity while they last). The hot path
// only bumps integers; whoever wants idle times samples the counters periodically.

/** Mutable counters of one host; compiled routes hold a direct reference (no lookup per request). */
export class HostActivity {
  /** Requests and upgrades that found this host's route, ever (held ones included). */
  requests = 0;
  /** Exchanges running now: proxied requests not yet finished and upgraded connections still open. */
  open = 0;
}

/** A sampled view of one host's counters. */
export interface HostActivitySample {
  host: string;
  requests: number;
  open: number;
}

/** Counters keyed by host, surviving route-table swaps while the host keeps a route. */
export class HostActivityRegistry {
  private readonly byHost = new Map<string, HostActivity>();

  get(host: string): HostActivity {
    let activity = this.byHost.get(host);
    if (!activity) {
      activity = new HostActivity();
      this.byHost.set(host, activity);
    }
    return activity;
  }

  /** Forgets hosts no longer routed (exchanges still running keep their own reference). */
  retainOnly(hosts: Iterable<string>): void {
    const keep = new Set(hosts);
    for (const host of this.byHost.keys()) if (!keep.has(host)) this.byHost.delete(host);
  }

  sample(): HostActivitySample[] {
    return [...this.byHost].map(([host, a]) => ({ host, requests: a.requests, open: a.open }));
  }
}
