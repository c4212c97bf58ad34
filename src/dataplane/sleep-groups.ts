// Which instances sleep and wake together. Hosts that share an instance (a preview's own
// host, its `next.` host, a service's extra hosts) form one group with every instance any of
// them routes to: the group sleeps only when all its hosts are idle, and a request to any of
// them wakes all of it, so no host is left half awake.
import { InvalidInputError } from '../errors.ts';
import type { DesiredRoute } from '../router/router.ts';

export interface SleepGroup {
  hosts: string[];
  instances: string[];
  /** The longest idle time its hosts ask for; null when one of them never sleeps. */
  scaleToZeroMs: number | null;
}

/** The route's idle time before sleeping, or null when it does not scale to zero. */
export function scaleToZeroOf(route: DesiredRoute): number | null {
  const ms = route.scaleToZeroMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** Refuses a scaleToZeroMs that is present but not a positive number of milliseconds. */
export function checkScaleToZero(host: string, route: DesiredRoute): void {
  const ms: unknown = (route as { scaleToZeroMs?: unknown }).scaleToZeroMs;
  if (ms === undefined || ms === null) return;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new InvalidInputError(`scaleToZeroMs of ${host} must be a positive number of milliseconds`, { host, scaleToZeroMs: ms });
  }
}

function instancesOf(route: DesiredRoute): string[] {
  // Routes stored by older versions were a bare backend list.
  const backends = Array.isArray(route) ? (route as DesiredRoute['backends']) : route.backends;
  return [...new Set(backends.flatMap((b) => b.instances))];
}

/** Groups of hosts linked by shared instances (union-find over instance ids). Hosts without instances are left out. */
export function sleepGroups(routes: Record<string, DesiredRoute>): SleepGroup[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let at = id; at !== root; ) {
      const next = parent.get(at)!;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const linked: Array<[string, string[], number | null]> = [];
  for (const [host, route] of Object.entries(routes)) {
    const ids = instancesOf(route);
    if (!ids.length) continue;
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0]!));
    linked.push([host, ids, scaleToZeroOf(Array.isArray(route) ? { backends: route } : route)]);
  }
  const groups = new Map<string, SleepGroup>();
  for (const [host, ids, ms] of linked) {
    const root = find(ids[0]!);
    let group = groups.get(root);
    if (!group) {
      group = { hosts: [], instances: [], scaleToZeroMs: ms };
      groups.set(root, group);
    } else group.scaleToZeroMs = group.scaleToZeroMs === null || ms === null ? null : Math.max(group.scaleToZeroMs, ms);
    group.hosts.push(host);
  }
  for (const id of parent.keys()) groups.get(find(id))!.instances.push(id);
  return [...groups.values()];
}
