// Route-change apply time: one keep-alive connection loops GET / against the Sluice router
// while the route is switched between release A (backend A) and release B (backend B).
// Apply time = from sending setRoutes to the router child until the first response from the
// new backend; it includes the IPC hop and the request already in flight.
import { Client } from 'undici';
import type { RouteTable, RouteTarget } from '../src/router/route-table.ts';
import { sleep } from './router-procs.ts';
import { benchHost, type SluiceProc } from './router-targets.ts';

/** weights: both releases stay in the table, weights flip 100/0 (pools kept). replace: the old release is removed (its pool closes). */
export type SwitchMode = 'weights' | 'replace';

export interface SwitchResult {
  mode: SwitchMode;
  switches: number;
  applyMs: number[];
  /** setRoutes() duration inside the router child, µs. */
  setRoutesUs: number[];
  requests: number;
  failures: number;
  timeouts: number;
}

function table(mode: SwitchMode, toB: boolean, a: RouteTarget, b: RouteTarget): RouteTable {
  const backends = [
    { release: 'release-a', weight: toB ? 0 : 100, targets: [a] },
    { release: 'release-b', weight: toB ? 100 : 0, targets: [b] },
  ].filter((backend) => mode === 'weights' || backend.weight > 0);
  return { routes: [{ host: benchHost, backends }] };
}

export async function measureSwitching(sluice: SluiceProc, a: RouteTarget, b: RouteTarget, mode: SwitchMode, switches: number): Promise<SwitchResult> {
  await sluice.setRoutes(table(mode, false, a, b));
  const client = new Client(`http://127.0.0.1:${sluice.port}`, { pipelining: 1, keepAliveTimeout: 30_000 });
  const result: SwitchResult = { mode, switches, applyMs: [], setRoutesUs: [], requests: 0, failures: 0, timeouts: 0 };
  let waiting: { backend: string; t0: number; resolve: (ms: number) => void } | undefined;
  let running = true;

  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const res = await client.request({ path: '/', method: 'GET', headers: { host: benchHost } });
        await res.body.dump();
        result.requests++;
        if (res.statusCode !== 200) result.failures++;
        else if (waiting && res.headers['x-backend'] === waiting.backend) {
          const w = waiting;
          waiting = undefined;
          w.resolve(performance.now() - w.t0);
        }
      } catch {
        result.requests++;
        result.failures++;
      }
    }
  };

  const looping = loop();
  try {
    await sleep(200); // connection up, steady state on backend A
    for (let i = 0; i < switches; i++) {
      const toB = i % 2 === 0;
      const firstNew = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          resolve(undefined);
        }, 2000);
        waiting = {
          backend: toB ? 'b' : 'a',
          t0: performance.now(),
          resolve: (ms) => {
            clearTimeout(timer);
            resolve(ms);
          },
        };
      });
      const setUs = await sluice.setRoutes(table(mode, toB, a, b));
      const ms = await firstNew;
      result.setRoutesUs.push(setUs);
      if (ms === undefined) result.timeouts++;
      else result.applyMs.push(ms);
      await sleep(50); // let the new state serve a while before the next switch
    }
  } finally {
    running = false;
    await looping;
    await client.close();
  }
  return result;
}
