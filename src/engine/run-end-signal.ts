// Wakes whoever waits on a run's end (a `sluice logs RUN --follow` stream, which ends with the run)
// when the run reaches a terminal state, instead of leaving them to find it on their next poll.
// Runs end in many places (the executor, cancel, reject, supersede, a lost lease, a closed pull
// request), all through Store.updateRun with a terminal state: the composition root wraps the
// store once (watchRunEnds) rather than each place announcing it. A run ended by another server
// (PostgreSQL, several replicas) is not seen here: the waiters' poll still finds it.
import { terminalRunStates } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** Runs remembered as ended, so a wait that starts just after the end returns at once. */
const remembered = 1000;

export class RunEndSignal {
  readonly #ended = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /** The run `id` reached a terminal state. */
  notify(id: string): void {
    this.#ended.add(id);
    if (this.#ended.size > remembered) this.#ended.delete(this.#ended.values().next().value!);
    const waiters = this.#waiters.get(id);
    this.#waiters.delete(id);
    for (const w of waiters ?? []) w();
  }

  /** Resolves when run `id` ends (at once if it ended already), after `timeoutMs`, or on abort. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#ended.has(id) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const set = this.#waiters.get(id);
        set?.delete(done);
        if (set?.size === 0) this.#waiters.delete(id);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** The store, with every updateRun that ends a run announced to `ends` once it is stored. */
export function watchRunEnds<S extends Store>(store: S, ends: RunEndSignal): S {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'updateRun') {
        const updateRun: Store['updateRun'] = async (id, patch, from, owner) => {
          const changed = await target.updateRun(id, patch, from, owner);
          if (changed && patch.state !== undefined && terminalRunStates.has(patch.state)) ends.notify(id);
          return changed;
        };
        return updateRun;
      }
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the store itself: its methods use private fields, which a proxy does not have.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
