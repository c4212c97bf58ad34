import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';
import { errorMessage } from '../../errors.ts';

/**
 * undici's Pool alone: the package's index loads all of undici (fetch, WebSocket, caches, mocks:
 * about 110 files), which cost the data plane about a third of its start and a few MiB idle
 * (docs/decisions/0022). The router only dispatches, closes and destroys pools: no method that
 * the index adds to Dispatcher.prototype. undici has no exports map, so the path is public.
 */
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
type Pool = UndiciPool;

/** Keep-alive connection pools, one per target; a pool outlives table swaps while its target stays. */
export class TargetPools {
  private readonly pools = new Map<string, Pool>();

  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  static key(id: string, host: string, port: number): string {
    // The id is part of the key: a new instance reusing an old port must not inherit
    // keep-alive sockets to the dead one.
    return `${id}@${host}:${port}`;
  }

  /** The pool for a target, created on first use. */
  acquire(key: string, host: string, port: number): Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      const origin = host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
      pool = new Pool(origin, {
        connections: 256,
        pipelining: 1,
        // Streaming responses (SSE, long polls) may stay silent for long: never time the body out.
        bodyTimeout: 0,
        headersTimeout: 300_000,
        keepAliveTimeout: 4_000,
        connect: { timeout: 5_000 },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Gracefully closes every pool whose key is not kept: running requests finish first. */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      pool.close().catch((error: unknown) => this.log(`router: closing pool ${key}: ${errorMessage(error)}`));
    }
  }

  /** Closes all pools, waiting up to graceMs for running requests, then destroys what is left. */
  async closeAll(graceMs: number): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(
      pools.map(async (pool) => {
        let timer: NodeJS.Timeout | undefined;
        const forced = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            pool.destroy().then(resolve, resolve);
          }, graceMs);
        });
        await Promise.race([pool.close().catch(() => undefined), forced]);
        clearTimeout(timer);
      }),
    );
  }
}
