import type { Pool } from 'undici';
import { InvalidInputError } from '../../errors.ts';
import type { Route, RouteTable } from '../route-table.ts';
import type { AccessLine, RouteAccess } from './access-log.ts';
import type { FlagVariantRegistry, HostFlagStats } from './flag-variant-stats.ts';
import type { HostActivity, HostActivityRegistry } from './host-activity.ts';
import type { ReleaseStats, ReleaseStatsRegistry } from './release-stats.ts';
import { checkSticky, releaseCookieValue, stickySetCookie } from './sticky-cookie.ts';
import { TargetPools } from './target-pools.ts';

// The route table turned into what the hot path needs: a host map, direct pool and stats
// references, and selection state (round-robin cursors, smooth weighted round robin).

export interface CompiledTarget {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly pool: Pool;
}

export interface CompiledBackend {
  readonly release: string;
  readonly weight: number;
  readonly targets: readonly CompiledTarget[];
  readonly stats: ReleaseStats;
  /** Round-robin cursor over targets. */
  cursor: number;
  /** Smooth weighted round robin state (nginx's algorithm). */
  current: number;
  /** On sticky routes: this release's cookie value, and the Set-Cookie that sticks a browser to it. */
  readonly sticky?: { readonly value: string; readonly setCookie: string };
}

export interface CompiledRoute {
  readonly host: string;
  readonly backends: readonly CompiledBackend[];
  /** Backends that take weighted traffic: weight > 0 and at least one target. */
  readonly serving: readonly CompiledBackend[];
  readonly totalWeight: number;
  readonly pin?: { readonly header: string; readonly byValue: ReadonlyMap<string, CompiledBackend> };
  /** Sticky sessions: cookie name, and cookie value → serving backend. */
  readonly sticky?: { readonly cookie: string; readonly byValue: ReadonlyMap<string, CompiledBackend> };
  /** Whose 503 it is when nothing can serve: the heaviest backend, if any. */
  readonly blame?: CompiledBackend;
  /** Request counters of the host (scale to zero samples them). */
  readonly activity: HostActivity;
  /** The Strict-Transport-Security value of its HTTPS responses, if the route asks for HSTS. */
  readonly hsts?: string;
  /** The access log of the host, when the route asks for one and the router has somewhere to write. */
  readonly access?: RouteAccess;
  /** The host's flag scope and its per-variant counters (variant attribution). */
  readonly flags?: HostFlagStats;
}

export function normalizeHost(host: string): string {
  return host.trim().toLowerCase();
}

/** Host header → route key: port removed (IPv6 literals keep their brackets), lowercased. */
export function hostKey(header: string): string {
  let end = header.length;
  const colon = header.lastIndexOf(':');
  if (colon !== -1 && colon > header.lastIndexOf(']')) end = colon;
  return (end === header.length ? header : header.slice(0, end)).toLowerCase();
}

export function compileTable(
  table: RouteTable,
  pools: TargetPools,
  stats: ReleaseStatsRegistry,
  activity: HostActivityRegistry,
  flagStats: FlagVariantRegistry,
  onAccess?: (line: AccessLine) => void,
): { byHost: Map<string, CompiledRoute>; poolKeys: Set<string>; applied: RouteTable } {
  const byHost = new Map<string, CompiledRoute>();
  const poolKeys = new Set<string>();
  const applied: RouteTable = { routes: [] };
  for (const route of table.routes) {
    const host = normalizeHost(route.host);
    if (!host) throw new InvalidInputError('route host is empty');
    if (byHost.has(host)) throw new InvalidInputError(`duplicate route for host ${host}`, { host });
    const compiled = compileRoute(host, route, pools, stats, poolKeys, activity.get(host), onAccess);
    byHost.set(host, route.flagScope ? { ...compiled, flags: flagStats.get(host, checkFlagScope(host, route.flagScope)) } : compiled);
    applied.routes.push({ ...structuredClone(route), host });
  }
  return { byHost, poolKeys, applied };
}

function compileRoute(
  host: string,
  route: Route,
  pools: TargetPools,
  stats: ReleaseStatsRegistry,
  poolKeys: Set<string>,
  activity: HostActivity,
  onAccess: ((line: AccessLine) => void) | undefined,
): CompiledRoute {
  checkSticky(route.sticky, host);
  const stickyConfig = route.sticky;
  const backends: CompiledBackend[] = route.backends.map((b) => {
    if (!Number.isFinite(b.weight) || b.weight < 0) {
      throw new InvalidInputError(`weight of release ${b.release} on ${host} must be a non-negative number`, { host, weight: b.weight });
    }
    const targets = b.targets.map((t) => {
      if (!Number.isInteger(t.port) || t.port <= 0 || t.port > 65535) {
        throw new InvalidInputError(`target ${t.id} of ${host} has an invalid port`, { host, port: t.port });
      }
      const key = TargetPools.key(t.id, t.host, t.port);
      poolKeys.add(key);
      return { id: t.id, host: t.host, port: t.port, pool: pools.acquire(key, t.host, t.port) };
    });
    const backend: CompiledBackend = { release: b.release, weight: b.weight, targets, stats: stats.get(host, b.release), cursor: 0, current: 0 };
    if (!stickyConfig) return backend;
    return { ...backend, sticky: { value: releaseCookieValue(b.release), setCookie: stickySetCookie(stickyConfig, b.release) } };
  });
  const serving = backends.filter((b) => b.weight > 0 && b.targets.length > 0);
  const totalWeight = serving.reduce((sum, b) => sum + b.weight, 0);
  let blame: CompiledBackend | undefined;
  for (const b of backends) if (!blame || b.weight > blame.weight) blame = b;
  let pin: CompiledRoute['pin'];
  if (route.headerRelease) {
    const byValue = new Map<string, CompiledBackend>();
    for (const [value, release] of Object.entries(route.headerRelease.values)) {
      const backend = backends.find((b) => b.release === release);
      if (backend) byValue.set(value, backend);
    }
    pin = { header: route.headerRelease.header.toLowerCase(), byValue };
  }
  let sticky: CompiledRoute['sticky'];
  if (stickyConfig) {
    // Only serving backends: a release at weight 0 (drained, rolled back) keeps no sticky browsers.
    const byValue = new Map<string, CompiledBackend>();
    for (const b of serving) byValue.set(b.sticky!.value, b);
    sticky = { cookie: stickyConfig.cookie, byValue };
  }
  const hsts = route.hsts ? hstsValue(host, route.hsts) : undefined;
  const access = route.accessLog && onAccess ? { policy: { ...route.accessLog }, write: onAccess } : undefined;
  return { host, backends, serving, totalWeight, pin, sticky, blame, activity, hsts, access };
}

function checkFlagScope(host: string, scope: NonNullable<Route['flagScope']>): NonNullable<Route['flagScope']> {
  if (typeof scope.project !== 'string' || !scope.project || typeof scope.environment !== 'string' || !scope.environment) {
    throw new InvalidInputError(`flagScope of ${host} must name a project and an environment`, { host });
  }
  return { project: scope.project, environment: scope.environment };
}

function hstsValue(host: string, hsts: NonNullable<Route['hsts']>): string {
  if (!Number.isSafeInteger(hsts.maxAgeSeconds) || hsts.maxAgeSeconds < 0) {
    throw new InvalidInputError(`hsts.maxAgeSeconds of ${host} must be a non-negative integer`, { host });
  }
  return `max-age=${hsts.maxAgeSeconds}${hsts.includeSubDomains ? '; includeSubDomains' : ''}`;
}

/** The backend a header value pins the request to, if the route has such a pin for it. */
export function pinnedBackend(route: CompiledRoute, value: string | string[] | undefined): CompiledBackend | undefined {
  if (value === undefined || !route.pin) return undefined;
  return route.pin.byValue.get(Array.isArray(value) ? (value[0] ?? '') : value);
}

/** The serving backend a sticky cookie value names, if the route is sticky and has it. */
export function stickyBackend(route: CompiledRoute, value: string | null | undefined): CompiledBackend | undefined {
  if (!value || !route.sticky) return undefined;
  return route.sticky.byValue.get(value);
}

/** The backend for an unpinned request: smooth weighted round robin over the serving backends. */
export function pickBackend(route: CompiledRoute): CompiledBackend | undefined {
  const serving = route.serving;
  if (serving.length <= 1) return serving[0];
  let best: CompiledBackend | undefined;
  for (const b of serving) {
    b.current += b.weight;
    if (!best || b.current > best.current) best = b;
  }
  best!.current -= route.totalWeight;
  return best;
}

/** Next target of a backend, round robin; undefined when it has none. */
export function pickTarget(backend: CompiledBackend): CompiledTarget | undefined {
  const targets = backend.targets;
  if (targets.length === 0) return undefined;
  const target = targets[backend.cursor]!;
  backend.cursor = backend.cursor + 1 >= targets.length ? 0 : backend.cursor + 1;
  return target;
}

/**
 * Where to retry after a connection failure: another target of the same backend first,
 * then any serving backend of the route (unless the request is pinned to a release).
 */
export function pickRetry(
  route: CompiledRoute,
  backend: CompiledBackend,
  tried: readonly CompiledTarget[],
  pinned: boolean,
): { backend: CompiledBackend; target: CompiledTarget } | undefined {
  const own = untried(backend, tried);
  if (own) return { backend, target: own };
  if (pinned) return undefined;
  for (const other of route.serving) {
    if (other === backend) continue;
    const target = untried(other, tried);
    if (target) return { backend: other, target };
  }
  return undefined;
}

function untried(backend: CompiledBackend, tried: readonly CompiledTarget[]): CompiledTarget | undefined {
  const targets = backend.targets;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[(backend.cursor + i) % targets.length]!;
    // A pool closed by a table swap belongs to a removed target: not a candidate any more.
    if (!tried.includes(target) && !target.pool.closed) return target;
  }
  return undefined;
}
