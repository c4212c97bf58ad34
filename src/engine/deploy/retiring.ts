// Old instances being stopped after a rolling update moved the traffic off them. Each stop
// drains (the data plane keeps the instance 300 ms for requests already sent to it) and then
// ends the process: a deploy stage need not wait for that, the run's next stage (verify, the
// next environment) starts meanwhile. Whatever next changes the environment's instances (a
// rolling update, a restore, another strategy, a teardown) waits for them first, and so does
// the end of the run (docs/decisions/0037-data-plane-wasm-baseline-and-deploy-waits.md).
import { errorMessage } from '../../errors.ts';

const keyOf = (project: string, environment: string): string => `${project}\u0000${environment}`;

export class Retiring {
  readonly #pending = new Map<string, Set<Promise<void>>>();

  /** Stops still under way in one environment; a failed stop is logged, never thrown later. */
  add(project: string, environment: string, stops: ReadonlyArray<Promise<void>>, log: (line: string) => void): void {
    if (stops.length === 0) return;
    const key = keyOf(project, environment);
    const set = this.#pending.get(key) ?? new Set<Promise<void>>();
    this.#pending.set(key, set);
    for (const stop of stops) {
      const tracked: Promise<void> = stop
        .catch((error: unknown) => log(`stopping an old instance of ${environment} failed: ${errorMessage(error)}`))
        .finally(() => {
          set.delete(tracked);
          if (set.size === 0 && this.#pending.get(key) === set) this.#pending.delete(key);
        });
      set.add(tracked);
    }
  }

  /** Resolves once the stops of the environment (or of every environment of the project) have ended. */
  async settled(project: string, environment?: string): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const [key, set] of this.#pending) {
      if (environment === undefined ? key.startsWith(`${project}\u0000`) : key === keyOf(project, environment)) waits.push(...set);
    }
    await Promise.all(waits);
  }
}
