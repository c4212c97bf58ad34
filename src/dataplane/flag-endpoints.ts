// Where OFREP is served from the data plane (docs/decisions/0034):
// - 127.0.0.1:FLAGS_PORT, the instances' SLUICE_FLAGS_URL: any environment's key (the key names it);
// - /_sluice/ofrep/v1/… on every environment's own host, through the edge router: browsers, same
//   origin, with CORS for the environment's other hosts; a key of another environment gets 403.
// The port is --flags-port, or the one chosen at the first start and kept in
// <data>/dataplane/flags-port, so that SLUICE_FLAGS_URL stays true across data-plane restarts.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FailureLimiter } from '../auth/failure-limiter.ts';
import { errorMessage } from '../errors.ts';
import { createOfrepHandler, ofrepPrefix } from '../flags/ofrep/ofrep-handler.ts';
import { instanceScope } from '../logs/instance-scope.ts';
import type { DesiredRoute } from '../router/router.ts';
import { hostKey } from '../router/edge/compiled-route.ts';
import { DataPlaneFlags } from './data-plane-flags.ts';

/** The router path prefix browsers use on their environment's host. */
export const sluiceOfrepPrefix = '/_sluice';

/** Evaluations per key per second before 429 (a runaway client must not take the data plane's core). */
export const defaultFlagsRatePerKey = 50_000;

export function flagsPortFileOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'flags-port');
}

export interface FlagEndpointsOptions {
  dataDir: string;
  log: (line: string) => void;
  /** Fixed port; absent: the stored one, else a free one (then stored). */
  port?: number;
  ratePerKey?: number;
}

type Scope = { project: string; environment: string };

function listenOn(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export class FlagEndpoints {
  readonly flags: DataPlaneFlags;
  private readonly opts: FlagEndpointsOptions;
  private readonly server: http.Server;
  private readonly handle: ReturnType<typeof createOfrepHandler>;
  /** Host (lowercase, no port) → its environment, from the routes' instance ids. */
  private hosts = new Map<string, Scope>();
  port = 0;

  constructor(opts: FlagEndpointsOptions) {
    this.opts = opts;
    this.flags = new DataPlaneFlags(opts.dataDir, opts.log);
    this.handle = createOfrepHandler({
      lookup: (p, e) => this.flags.lookup(p, e),
      limiter: new FailureLimiter({ max: opts.ratePerKey ?? defaultFlagsRatePerKey, windowMs: 1000 }),
    });
    this.server = http.createServer({ keepAliveTimeout: 30_000, noDelay: true }, (req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      this.handle(req, res, q === -1 ? url : url.slice(0, q));
    });
    this.server.on('error', (error) => opts.log(`flags: server error: ${error.message}`));
  }

  /** Restores the stored flags, then listens (stored port first, waiting a little for a data plane that is still exiting). */
  async start(): Promise<void> {
    await this.flags.restore();
    const file = flagsPortFileOf(this.opts.dataDir);
    if (this.opts.port !== undefined) {
      this.port = await listenOn(this.server, this.opts.port);
    } else {
      const stored = Number(fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : NaN);
      if (Number.isInteger(stored) && stored > 0 && stored < 65536) {
        const deadline = Date.now() + 5_000;
        for (;;) {
          try {
            this.port = await listenOn(this.server, stored);
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) {
              this.opts.log(`error: flags port ${stored} is not available (${errorMessage(error)}): a new one is chosen; instances get it at their next deploy`);
              this.port = await listenOn(this.server, 0);
              break;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } else this.port = await listenOn(this.server, 0);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${this.port}\n`, { mode: 0o600 });
  }

  /** The routes changed: which host belongs to which environment (a forwarded host belongs to none). */
  setRoutes(routes: Record<string, DesiredRoute>): void {
    const hosts = new Map<string, Scope>();
    for (const [host, stored] of Object.entries(routes)) {
      const route: DesiredRoute = Array.isArray(stored) ? { backends: stored as DesiredRoute['backends'] } : stored;
      if (route.forward) continue;
      // The deployer names the environment of a route it writes; a route stored before it did
      // (or one without instances yet) is known by its instances' ids.
      if (route.flagScope) {
        hosts.set(host.toLowerCase(), route.flagScope);
        continue;
      }
      const id = route.backends.flatMap((b) => b.instances)[0];
      if (id === undefined) continue;
      const { project, environment } = instanceScope(id);
      if (environment !== null) hosts.set(host.toLowerCase(), { project, environment });
    }
    this.hosts = hosts;
  }

  /** The router's hook for /_sluice/…: OFREP on the environment's own host. */
  onRouterRequest(req: http.IncomingMessage, res: http.ServerResponse, rawHost: string | undefined): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const p = (q === -1 ? url : url.slice(0, q)).slice(sluiceOfrepPrefix.length);
    const env = rawHost === undefined ? undefined : this.hosts.get(hostKey(rawHost));
    if (!env || !p.startsWith(ofrepPrefix.slice(0, '/ofrep/'.length))) {
      const body = JSON.stringify({ errorDetails: env ? `no endpoint ${url.slice(0, 200)}` : 'this host serves no environment' });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    let corsOrigin: string | null = null;
    const origin = req.headers.origin;
    if (origin) {
      try {
        const other = this.hosts.get(new URL(origin).hostname.toLowerCase());
        if (other && other.project === env.project && other.environment === env.environment) corsOrigin = origin;
      } catch {
        // not a URL: no CORS headers, the browser refuses the answer
      }
    }
    this.handle(req, res, p, { environment: env, corsOrigin });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
