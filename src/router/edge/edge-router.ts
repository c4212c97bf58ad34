import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FlagVariantMetrics, ReleaseMetrics, RouteTable } from '../route-table.ts';
import type { TrafficAnswer, TrafficCursor } from '../traffic-answer.ts';
import { logAccess, type AccessLine } from './access-log.ts';
import { acmeChallengePrefix, AcmeChallenges } from './acme-challenges.ts';
import { ColdWaiters } from './cold-waiters.ts';
import { compileTable, hostKey, pickBackend, pickTarget, pinnedBackend, stickyBackend, type CompiledBackend, type CompiledRoute } from './compiled-route.ts';
import { sendPlain, sendPlainRaw } from './plain-response.ts';
import { ProxyExchange } from './proxy-exchange.ts';
import { hasBody, upstreamHeaders } from './proxy-headers.ts';
import { HostActivityRegistry, type HostActivitySample } from './host-activity.ts';
import { FlagVariantRegistry } from './flag-variant-stats.ts';
import { ReleaseStatsRegistry } from './release-stats.ts';
import { cookieValue } from './sticky-cookie.ts';
import { TargetPools } from './target-pools.ts';
import { SniCertificates } from './sni-certificates.ts';
import { proxyUpgrade } from './upgrade-proxy.ts';
import { attributionOf, type FlagsOf } from './variant-attribution.ts';

export interface EdgeRouterOptions {
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** A socket already listening, inherited at this fd (the server keeps the port open across data-plane restarts); port and host are then ignored. */
  listenFd?: number;
  /** Operational events (never one line per request). */
  log?: (line: string) => void;
  /** How long close() lets running requests finish before cutting them; default 3000 ms. */
  closeGraceMs?: number;
  /**
   * Scale to zero: asked (synchronously) when a request or upgrade finds its host's route
   * without a target. true: the host is waking, so the request is held until a setRoutes
   * gives the host a target (or coldWaitMs passes: 503). false: answer 503 now.
   */
  onColdRoute?: (host: string) => boolean;
  /** How long a request waits for a waking host; default 30000 ms. */
  coldWaitMs?: number;
  /** HTTPS port (0: any free one); absent, and no httpsFd: no HTTPS listener. Same host as the plain port. */
  httpsPort?: number;
  /** The HTTPS socket, already listening, inherited at this fd (like listenFd). */
  httpsFd?: number;
  /** Where the access lines of routes with an access log go (synchronously: the sink must not block). */
  onAccess?: (line: AccessLine) => void;
  /** Answers /_sluice/… on any host itself (OFREP for browsers, src/dataplane/flag-endpoints.ts); absent: proxied like any path. */
  onSluicePath?: (req: IncomingMessage, res: ServerResponse, rawHost: string | undefined) => void;
  /** The flags served for an environment (variant attribution on routes with a flagScope); absent: no attribution. */
  flagsOf?: FlagsOf;
}

/** Paths the platform answers on every environment's host (never proxied to the app when onSluicePath is set). */
export const sluicePathPrefix = '/_sluice/';

/** Raw Host values seen recently → route; bounded so junk Host headers cannot grow it. */
const hostCacheLimit = 1024;
const noop = (): void => {};

/**
 * The built-in edge router: one HTTP/1.1 port serving every environment by Host name,
 * proxying to READY instances over keep-alive undici pools; optionally one HTTPS port
 * (h2 and http/1.1, certificate by SNI) proxying the same way.
 */
export class EdgeRouter {
  private readonly server: Server;
  private tls: Http2SecureServer | undefined;
  /** Open TLS connections, ended on close(). */
  private readonly tlsSockets = new Set<Socket>();
  /** Sockets of HTTP/1.1-over-TLS connections with a request running (close() ends the others at once). */
  private readonly busyTls = new Set<Socket>();
  /** Certificates served over HTTPS, by SNI; hosts with one are redirected from plain HTTP. */
  readonly certificates = new SniCertificates();
  /** ACME HTTP-01 answers, for any host. */
  readonly challenges = new AcmeChallenges();
  /** The HTTPS port listened on, once listening; null without an HTTPS listener. */
  httpsPort: number | null = null;
  private readonly log: (line: string) => void;
  private readonly pools: TargetPools;
  private readonly stats = new ReleaseStatsRegistry();
  private readonly flagStats = new FlagVariantRegistry();
  private readonly activity = new HostActivityRegistry();
  private readonly waiters: ColdWaiters;
  private readonly upgraded = new Set<Duplex>();
  private routes = new Map<string, CompiledRoute>();
  private hostCache = new Map<string, CompiledRoute | null>();
  private applied: RouteTable = { routes: [] };
  private closing: Promise<void> | undefined;

  private readonly opts: EdgeRouterOptions;

  constructor(opts: EdgeRouterOptions) {
    this.opts = opts;
    this.log = opts.log ?? noop;
    this.pools = new TargetPools(this.log);
    this.waiters = new ColdWaiters(opts.coldWaitMs ?? 30_000);
    // requestTimeout 0: uploads to user apps may legitimately take long; headersTimeout still guards slow clients.
    this.server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0, noDelay: true }, this.onRequest);
    this.server.on('upgrade', this.onUpgrade);
    this.server.on('error', (error) => this.log(`router: server error: ${error.message}`));
  }

  /** The HTTPS server, made at listen(): node:http2 and node:tls are loaded only when HTTPS is asked for. */
  private async createTls(): Promise<Http2SecureServer> {
    const { createTlsListener } = await import('./tls-listener.ts');
    const tls = createTlsListener(this.certificates);
    tls.on('request', this.onSecureRequest);
    tls.on('upgrade', this.onUpgrade);
    tls.on('secureConnection', (socket: Socket) => {
      this.tlsSockets.add(socket);
      socket.once('close', () => this.tlsSockets.delete(socket));
    });
    // A failed handshake (unknown SNI, bad client) concerns that client alone: no line per connection.
    tls.on('tlsClientError', noop);
    tls.on('sessionError', noop);
    tls.on('error', (error: Error) => this.log(`router: https server error: ${error.message}`));
    return tls;
  }

  /** Starts listening (HTTP, then HTTPS if asked for); resolves with the actual HTTP port (useful with port 0). */
  async listen(): Promise<number> {
    const host = this.opts.host ?? '127.0.0.1';
    const port = await listenOn(this.server, this.opts.listenFd === undefined ? { port: this.opts.port, host } : { fd: this.opts.listenFd });
    this.log(`router: listening on ${host}:${port}`);
    if (this.opts.httpsPort !== undefined || this.opts.httpsFd !== undefined) {
      this.tls = await this.createTls();
      try {
        this.httpsPort = await listenOn(this.tls, this.opts.httpsFd === undefined ? { port: this.opts.httpsPort ?? 0, host } : { fd: this.opts.httpsFd });
      } catch (error) {
        this.server.close();
        throw Object.assign(error as Error, { https: true });
      }
      this.log(`router: https on ${host}:${this.httpsPort} (h2, http/1.1)`);
    }
    return port;
  }

  /**
   * Replaces the whole table at once. Takes effect for the next request, on every open
   * client connection. Pools of removed targets close after their running requests end.
   * Throws InvalidInputError (and keeps the current table) on a malformed table.
   */
  setRoutes(table: RouteTable): void {
    let compiled: ReturnType<typeof compileTable>;
    try {
      this.stats.beginTable();
      this.flagStats.beginTable();
      compiled = compileTable(table, this.pools, this.stats, this.activity, this.flagStats, this.opts.onAccess);
    } catch (error) {
      this.pools.retainOnly(this.poolKeysInUse()); // drop pools made for the rejected table
      throw error;
    }
    this.routes = compiled.byHost;
    this.hostCache = new Map();
    this.applied = compiled.applied;
    this.stats.endTable();
    this.flagStats.endTable();
    this.pools.retainOnly(compiled.poolKeys);
    this.activity.retainOnly(compiled.byHost.keys());
    // Held requests go on once their host has a target again (or has no route: they get 404).
    this.waiters.release((host) => {
      const route = this.routes.get(host);
      return !route || route.backends.some((b) => b.targets.length > 0);
    });
  }

  /**
   * Request counters per routed host, for idle detection: `requests` only grows (a change
   * means traffic), `open` counts exchanges still running (long polls, WebSockets).
   */
  hostActivity(): HostActivitySample[] {
    return this.activity.sample();
  }

  /** Answers the requests held for a host now (503): its wake failed, there is nothing to wait for. */
  stopHolding(host: string): void {
    this.waiters.expireHost(host.toLowerCase());
  }

  /** Requests held now for waking hosts, by host. */
  heldRequests(): Record<string, number> {
    return this.waiters.counts();
  }

  /** A copy of the table being applied now (hosts normalized to lower case). */
  appliedRoutes(): RouteTable {
    return structuredClone(this.applied);
  }

  /** Cumulative counters per (host, release) since this router started. */
  metrics(): ReleaseMetrics[] {
    return this.stats.snapshot();
  }

  /** Cumulative counters per (host, flag under a rollout, variant); a flag no longer attributed is dropped. */
  flagMetrics(): FlagVariantMetrics[] {
    const flagsOf = this.opts.flagsOf;
    return this.flagStats.snapshot((scope) => flagsOf?.(scope)?.attributed);
  }

  /** The counters changed since `since`, compactly (what alerts read every tick). */
  traffic(since?: TrafficCursor): TrafficAnswer {
    return this.stats.trafficSince(since);
  }

  /** Stops accepting, lets running requests finish (up to closeGraceMs), then closes everything. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const grace = this.opts.closeGraceMs ?? 3_000;
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    const tlsClosed = new Promise<void>((resolve) => {
      if (!this.tls?.listening) resolve();
      else this.tls.close(() => resolve());
    });
    this.server.closeIdleConnections();
    this.waiters.expireAll();
    for (const socket of this.upgraded) socket.destroy();
    // Idle TLS connections (no request running) end now, busy ones after their response or the grace.
    for (const socket of this.tlsSockets) if (!this.busyTls.has(socket)) socket.end();
    const timer = setTimeout(() => {
      this.server.closeAllConnections();
      for (const socket of this.tlsSockets) socket.destroy();
    }, grace);
    await Promise.all([closed, tlsClosed]);
    clearTimeout(timer);
    await this.pools.closeAll(grace);
  }

  private poolKeysInUse(): Set<string> {
    const keys = new Set<string>();
    for (const route of this.routes.values()) {
      for (const b of route.backends) for (const t of b.targets) keys.add(TargetPools.key(t.id, t.host, t.port));
    }
    return keys;
  }

  private lookup(rawHost: string | undefined): CompiledRoute | undefined {
    if (rawHost === undefined) return undefined;
    let route = this.hostCache.get(rawHost);
    if (route === undefined) {
      route = this.routes.get(hostKey(rawHost)) ?? null;
      if (this.hostCache.size >= hostCacheLimit) this.hostCache.clear();
      this.hostCache.set(rawHost, route);
    }
    return route ?? undefined;
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url;
    // Answered before any route: ACME challenges (any host), then the redirect to HTTPS.
    if (url?.startsWith(acmeChallengePrefix)) {
      this.answerChallenge(url, res);
      return;
    }
    if (this.httpsPort !== null && this.certificates.size > 0 && req.headers.host !== undefined) {
      const host = hostKey(req.headers.host);
      if (this.certificates.covers(host)) {
        redirectToHttps(res, host, this.httpsPort, url ?? '/');
        return;
      }
    }
    this.dispatch(req, res, performance.now(), false);
  };

  private readonly onSecureRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url?.startsWith(acmeChallengePrefix)) {
      this.answerChallenge(req.url, res);
      return;
    }
    if (req.httpVersionMajor === 1) {
      const socket = req.socket;
      this.busyTls.add(socket);
      res.once('close', () => {
        this.busyTls.delete(socket);
        if (this.closing) socket.end();
      });
    }
    this.dispatch(req, res, performance.now(), false);
  };

  private answerChallenge(url: string, res: ServerResponse): void {
    const answer = this.challenges.answer(url);
    if (answer === undefined) sendPlain(res, 404, 'unknown ACME challenge token\n');
    else sendPlain(res, 200, answer, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, started: number, held: boolean): void {
    // HTTP/2 names the host in :authority (the compatibility API adds no Host header).
    const rawHost = req.headers.host ?? (req.headers[':authority'] as string | undefined);
    if (this.opts.onSluicePath && req.url?.startsWith(sluicePathPrefix)) {
      this.opts.onSluicePath(req, res, rawHost);
      return;
    }
    const route = this.lookup(rawHost);
    if (!route) {
      sendPlain(res, 404, `no route for host ${JSON.stringify((rawHost ?? '').slice(0, 200))}\n`);
      return;
    }
    const url = req.url;
    if (!url || url.charCodeAt(0) !== 47 /* '/' */) {
      sendPlain(res, 400, 'bad request: the target must be an absolute path\n');
      return;
    }
    const pinned = route.pin ? pinnedBackend(route, req.headers[route.pin.header]) : undefined;
    // The sticky cookie the request carried; null when this response manages none (not sticky, or pinned by header).
    const stickyFrom = pinned || !route.sticky ? null : cookieValue(req.headers.cookie, route.sticky.cookie);
    const backend = pinned ?? stickyBackend(route, stickyFrom) ?? pickBackend(route);
    const target = backend && pickTarget(backend);
    if (!target) {
      const unavailable = (why: string): void => {
        noTarget(route, backend, started);
        const body = `${why} for host ${route.host}\n`;
        sendPlain(res, 503, body, { 'retry-after': '1' });
        logAccess(route.access, req, route.host, 503, Buffer.byteLength(body), performance.now() - started, null);
      };
      const retry = (): void => this.dispatch(req, res, started, true);
      if (held || !this.holdCold(route, retry, (cancel) => res.once('close', cancel), () => unavailable('no instance woke up in time'))) {
        unavailable('no ready instance');
      }
      return;
    }
    if (!held) route.activity.requests++;
    const attribution = attributionOf(req.headers, route.flags, this.opts.flagsOf);
    const headers = upstreamHeaders(req, false, attribution?.key);
    new ProxyExchange(req, res, route, backend, target, pinned !== undefined, stickyFrom, headers, hasBody(req), started, attribution).start();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', noop);
    this.dispatchUpgrade(req, socket, head, performance.now(), false);
  };

  private dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, started: number, held: boolean): void {
    if (held && socket.destroyed) return;
    const route = this.lookup(req.headers.host);
    if (!route || this.closing) {
      sendPlainRaw(socket, 404, `no route for host ${JSON.stringify((req.headers.host ?? '').slice(0, 200))}\n`);
      return;
    }
    const pinned = route.pin ? pinnedBackend(route, req.headers[route.pin.header]) : undefined;
    // The cookie picks the release of an upgrade too; the target's 101 is piped as is, so it sets no cookie.
    const stuck = pinned || !route.sticky ? undefined : stickyBackend(route, cookieValue(req.headers.cookie, route.sticky.cookie));
    const backend = pinned ?? stuck ?? pickBackend(route);
    const target = backend && pickTarget(backend);
    if (!target) {
      const unavailable = (why: string): void => {
        noTarget(route, backend, started);
        sendPlainRaw(socket, 503, `${why} for host ${route.host}\n`, 'retry-after: 1\r\n');
      };
      const retry = (): void => this.dispatchUpgrade(req, socket, head, started, true);
      if (held || !this.holdCold(route, retry, (cancel) => socket.once('close', cancel), () => unavailable('no instance woke up in time'))) {
        unavailable('no ready instance');
      }
      return;
    }
    if (!held) route.activity.requests++;
    proxyUpgrade({ req, socket, head, route, backend, target, pinned: pinned !== undefined, started, live: this.upgraded });
  }

  /**
   * A request found no target: when the host is waking (onColdRoute says so), hold it until
   * a table swap gives the host a target. Returns false when the caller should answer 503.
   */
  private holdCold(route: CompiledRoute, retry: () => void, onGone: (cancel: () => void) => void, expire: () => void): boolean {
    const onCold = this.opts.onColdRoute;
    if (!onCold || this.closing) return false;
    route.activity.requests++; // a request to a sleeping host is traffic: it keeps the woken host awake
    let waking: boolean;
    try {
      waking = onCold(route.host);
    } catch (error) {
      this.log(`router: waking ${route.host} failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    if (!waking) return false;
    // The wake may already have produced a target (a synchronous setRoutes): go on at once.
    const now = this.routes.get(route.host);
    if (!now || now.backends.some((b) => b.targets.length > 0)) {
      retry();
      return true;
    }
    const cancel = this.waiters.hold(route.host, retry, expire);
    onGone(cancel);
    return true;
  }
}

function listenOn(server: Server | Http2SecureServer, where: { port: number; host: string } | { fd: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(where, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** 308 keeps the method and body (a POST stays a POST); the port is named unless it is 443. */
function redirectToHttps(res: ServerResponse, host: string, port: number, url: string): void {
  const location = `https://${host}${port === 443 ? '' : `:${port}`}${url.charCodeAt(0) === 47 ? url : '/'}`;
  sendPlain(res, 308, `moved to ${location}\n`, { location });
}

/** A 503 counts against the chosen release, or the heaviest one when none could be chosen. */
function noTarget(route: CompiledRoute, backend: CompiledBackend | undefined, started: number): void {
  (backend ?? route.blame)?.stats.record(503, performance.now() - started);
}
