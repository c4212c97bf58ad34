// Keeps the data plane of this server's data directory running: a data plane that dies is
// started again at once (its instances keep running under their shims and are adopted).
// Death is seen by the exit event of a data plane this server spawned, and by polling the pid
// of one it adopted (not its child: no event).
import { existsSync } from 'node:fs';
import { stoppedMarkerOf } from '../dataplane/data-plane-paths.ts';
import { errorMessage } from '../errors.ts';
import { Backoff } from '../runtime/process/backoff.ts';
import { readStat } from '../runtime/process/process-group.ts';
import { ensureDataPlane, type EnsureDataPlaneOptions, type FoundDataPlane } from './ensure-data-plane.ts';

/** How often an adopted data plane's pid is looked at: a death is noticed within this. */
const pollMs = 100;
/** A data plane that ran this long is healthy again: the next restart is immediate. */
const stableAfterMs = 10_000;

export interface DataPlaneSupervisorOptions extends EnsureDataPlaneOptions {
  /** Called once a restarted data plane answers (e.g. to hand it the master key again). */
  onBack?: (found: FoundDataPlane) => Promise<void>;
}

function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

export class DataPlaneSupervisor {
  readonly #opts: DataPlaneSupervisorOptions;
  readonly #backoff = new Backoff(250, 10_000);
  #current: FoundDataPlane;
  #up = true;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #since = Date.now();

  constructor(first: FoundDataPlane, opts: DataPlaneSupervisorOptions) {
    this.#current = first;
    this.#opts = opts;
    this.#watch(first);
  }

  /** Whether the data plane is running now (false from its death until a new one answers). */
  get up(): boolean {
    return this.#up;
  }

  /** No more restarts: the data plane is being shut down on purpose, or the server stops. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#current.keeper?.close(); // the running data plane keeps its own copy of the router socket
  }

  #watch(found: FoundDataPlane): void {
    let noticed = false;
    const died = (how: string): void => {
      if (noticed || this.#stopped || this.#current !== found) return;
      noticed = true;
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      void this.#restart(found, how);
    };
    void found.exited.then((how) => died(how));
    this.#timer = setInterval(() => {
      if (!isAlive(found.pid)) died('gone');
    }, pollMs);
    this.#timer.unref();
  }

  async #restart(dead: FoundDataPlane, how: string): Promise<void> {
    this.#up = false;
    if (existsSync(stoppedMarkerOf(this.#opts.dataDir))) {
      this.#opts.log(`the data plane (pid ${dead.pid}) was stopped on purpose; it is not started again until the server restarts`);
      this.stop();
      return;
    }
    const diedAt = Date.now();
    // At once after a long life; a data plane that keeps dying is started again less and less often.
    let delay = diedAt - this.#since >= stableAfterMs ? 0 : this.#backoff.next();
    if (delay === 0) this.#backoff.reset();
    this.#opts.log(`error: the data plane (pid ${dead.pid}) died (${how}); starting it again${delay ? ` in ${delay} ms` : ''}`);
    for (;;) {
      if (this.#stopped) return;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      try {
        // The same router port, kept open meanwhile by the keeper when there is one.
        const found = await ensureDataPlane({ ...this.#opts, routerPort: dead.routerPort, keepRouterPort: true, keeper: dead.keeper });
        this.#current = found;
        this.#since = Date.now();
        this.#up = true;
        this.#opts.log(`the data plane is back (pid ${found.pid}) ${Date.now() - diedAt} ms after its death`);
        this.#watch(found);
        await this.#opts.onBack?.(found).catch((e: unknown) => this.#opts.log(`warn: the restarted data plane: ${errorMessage(e)}`));
        return;
      } catch (error) {
        delay = this.#backoff.next();
        this.#opts.log(`error: the data plane did not start again (${errorMessage(error)}); next try in ${delay} ms`);
      }
    }
  }
}
