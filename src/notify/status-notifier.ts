// Background delivery of commit statuses. The engine calls notify() and moves on: statuses for a
// project go out one at a time in the order given, with retries when the host is down; a
// status that a newer one for the same commit and context replaces is not sent at all.

import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../backoff.ts';
import { errorMessage, SluiceError } from '../errors.ts';
import { postCommitStatus } from './post-commit-status.ts';
import type { CommitStatus, StatusTarget } from './status-request.ts';

export interface StatusNotifierOptions {
  /** The host, API URL, repository and token of a project; null when it has no token (nothing is posted). */
  resolve: (project: string) => Promise<StatusTarget | null>;
  log: (line: string) => void;
  /** Attempts per status, the first included. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles each time, capped at 60 s, with jitter (src/backoff.ts). Default 1 s. */
  backoffMs?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Statuses waiting per project beyond which the oldest are dropped. Default 100. */
  maxQueue?: number;
  fetchImpl?: typeof fetch;
}

const MAX_DELAY_MS = 60_000;

export class StatusNotifier {
  readonly #opts: StatusNotifierOptions;
  readonly #queues = new Map<string, CommitStatus[]>();
  readonly #workers = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();

  constructor(opts: StatusNotifierOptions) {
    this.#opts = opts;
  }

  /** Queues a status and returns at once; never throws. */
  notify(project: string, status: CommitStatus): void {
    if (this.#stop.signal.aborted) return;
    const queue = this.#queues.get(project) ?? [];
    this.#queues.set(project, queue);
    queue.push({ ...status });
    const max = this.#opts.maxQueue ?? 100;
    while (queue.length > max) {
      const dropped = queue.shift();
      if (dropped) this.#log(`commit status: ${project}: queue full, dropped ${describe(dropped)}`);
    }
    if (!this.#workers.has(project)) this.#workers.set(project, this.#drain(project));
  }

  /** Resolves when every queued status was delivered or given up on. */
  async settled(): Promise<void> {
    while (this.#workers.size > 0) await Promise.all(this.#workers.values());
  }

  /** Drops what is queued and stops retrying (a request in flight still ends, within its timeout). */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#queues.clear();
    await this.settled();
  }

  async #drain(project: string): Promise<void> {
    // Let notify() register this worker before anything here can finish.
    await Promise.resolve();
    try {
      for (;;) {
        const queue = this.#queues.get(project);
        const status = queue?.shift();
        if (queue === undefined || status === undefined || this.#stop.signal.aborted) break;
        await this.#deliver(project, status, queue);
      }
    } catch (error) {
      // #deliver catches everything; this only guards against a log function that throws.
      this.#log(`commit status: ${project}: ${errorMessage(error)}`);
    } finally {
      // Both in the same synchronous step, so a notify() never finds a worker that will not look again.
      this.#workers.delete(project);
      if (this.#queues.get(project)?.length === 0) this.#queues.delete(project);
    }
  }

  async #deliver(project: string, status: CommitStatus, queue: CommitStatus[]): Promise<void> {
    let target: StatusTarget | null;
    try {
      target = await this.#opts.resolve(project);
    } catch (error) {
      this.#log(`commit status: ${project}: cannot find where to post ${describe(status)}: ${errorMessage(error)}`);
      return;
    }
    if (target === null) return;

    const maxAttempts = Math.max(1, this.#opts.maxAttempts ?? 5);
    for (let attempt = 1; ; attempt++) {
      if (queue.some((next) => next.sha === status.sha && next.context === status.context)) return; // superseded
      try {
        await postCommitStatus(target, status, { timeoutMs: this.#opts.timeoutMs, fetchImpl: this.#opts.fetchImpl });
        return;
      } catch (error) {
        const retryable = error instanceof SluiceError ? error.retryable : true;
        if (!retryable || attempt >= maxAttempts || this.#stop.signal.aborted) {
          this.#log(`commit status: ${project}: gave up after ${attempt} attempt(s): ${errorMessage(error)}`);
          return;
        }
        const delay = this.#delay(attempt, error);
        this.#log(`commit status: ${project}: attempt ${attempt}/${maxAttempts} failed, retrying in ${delay} ms: ${errorMessage(error)}`);
        try {
          await sleep(delay, undefined, { signal: this.#stop.signal });
        } catch {
          return; // closed
        }
      }
    }
  }

  #delay(attempt: number, error: unknown): number {
    const backoff = backoffDelay(attempt - 1, this.#opts.backoffMs ?? 1000, MAX_DELAY_MS);
    const retryAfter = error instanceof SluiceError && typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : 0;
    return Math.min(MAX_DELAY_MS, Math.max(backoff, retryAfter));
  }

  #log(line: string): void {
    try {
      this.#opts.log(line);
    } catch {
      // A broken logger must not break delivery.
    }
  }
}

function describe(status: CommitStatus): string {
  return `${status.context}=${status.state} for ${status.sha.slice(0, 12)}`;
}
