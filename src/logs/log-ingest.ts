// The one way lines reach the LogStore: callers add entries without waiting (the engine, the
// deployer and the instance-log ingester never block on log I/O), and a single writer appends
// them in batches. The queue is bounded: when the store cannot keep up or fails (a full disk),
// the oldest queued lines are dropped and counted, the error is kept for status and logged once,
// and everything else goes on. Followers wait here for new entries instead of polling the store.
import type { LogStore, NewLogEntry } from './log-store.ts';
import type { LogWriter } from './log-writer.ts';

export interface LogIngestOptions {
  /** How long a line may wait to be batched with others. */
  flushMs?: number;
  /** Entries per append. */
  maxBatch?: number;
  /** Bytes of text queued at most; past it the oldest queued lines are dropped. */
  maxQueuedBytes?: number;
  /** Called once per failure streak (the first error, and again after a recovery). */
  onError?: (error: unknown) => void;
  /** Called when appends work again after a failure. */
  onRecover?: () => void;
}

export interface LogIngestStatus {
  queued: number;
  queuedBytes: number;
  /** Lines dropped since start because the queue was full. */
  dropped: number;
  appended: number;
  /** The last append error while appends fail; null while they work. */
  error: string | null;
  failingSince: string | null;
}

export class LogIngest implements LogWriter {
  readonly #store: LogStore;
  readonly #flushMs: number;
  readonly #maxBatch: number;
  readonly #maxQueuedBytes: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRecover: () => void;
  #queue: NewLogEntry[] = [];
  #head = 0;
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #dropped = 0;
  #appended = 0;
  #error: string | null = null;
  #failingSince: string | null = null;
  #retryMs = 0;
  #lastId = 0;
  #waiters = new Set<() => void>();
  #closed = false;

  constructor(store: LogStore, opts: LogIngestOptions = {}) {
    this.#store = store;
    this.#flushMs = opts.flushMs ?? 5;
    this.#maxBatch = opts.maxBatch ?? 2000;
    this.#maxQueuedBytes = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
    this.#onError = opts.onError ?? (() => undefined);
    this.#onRecover = opts.onRecover ?? (() => undefined);
  }

  /** The id of the last entry this ingest appended (0 before the first). */
  get lastId(): number {
    return this.#lastId;
  }

  add(entry: NewLogEntry): void {
    if (this.#closed) return;
    this.#queue.push(entry);
    this.#queuedBytes += entry.text.length;
    while (this.#queuedBytes > this.#maxQueuedBytes && this.#head < this.#queue.length) {
      this.#queuedBytes -= this.#queue[this.#head]!.text.length;
      this.#head++;
      this.#dropped++;
    }
    this.#schedule(this.#queue.length - this.#head >= this.#maxBatch ? 0 : this.#flushMs);
  }

  /** Resolves once every entry added before the call was appended (or dropped). */
  async flush(): Promise<void> {
    while (this.#writing || this.#head < this.#queue.length) {
      if (!this.#writing) this.#write();
      await this.#writing;
      if (this.#error !== null) return; // failing: the retry timer carries on; do not spin
    }
  }

  /**
   * Resolves when entries after `afterId` may have been appended, or after `timeoutMs` (another
   * writer, such as a second server on the same PostgreSQL, does not notify this one).
   */
  waitForAppend(afterId: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#lastId > afterId || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  status(): LogIngestStatus {
    return {
      queued: this.#queue.length - this.#head,
      queuedBytes: this.#queuedBytes,
      dropped: this.#dropped,
      appended: this.#appended,
      error: this.#error,
      failingSince: this.#failingSince,
    };
  }

  /** Appends what is queued (one try) and stops taking lines. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of [...this.#waiters]) w();
  }

  #schedule(ms: number): void {
    if (this.#writing) return;
    if (this.#timer && ms > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#write();
    }, ms);
  }

  #write(): void {
    if (this.#writing || this.#head >= this.#queue.length) return;
    const end = Math.min(this.#queue.length, this.#head + this.#maxBatch);
    const batch = this.#queue.slice(this.#head, end);
    // The batch leaves the queue now, so lines dropped for room while it is written are queued ones.
    this.#head = end;
    for (const e of batch) this.#queuedBytes -= e.text.length;
    this.#compact();
    this.#writing = this.#store.append(batch).then(
      (lastId) => {
        this.#appended += batch.length;
        if (lastId > this.#lastId) this.#lastId = lastId;
        this.#retryMs = 0;
        if (this.#error !== null) {
          this.#error = null;
          this.#failingSince = null;
          this.#onRecover();
        }
        for (const w of [...this.#waiters]) w();
      },
      (error: unknown) => {
        // Back at the front, for the retry; the cap then drops the oldest if more keep coming.
        this.#queue = [...batch, ...this.#queue.slice(this.#head)];
        this.#head = 0;
        for (const e of batch) this.#queuedBytes += e.text.length;
        if (this.#error === null) {
          this.#failingSince = new Date().toISOString();
          this.#onError(error);
        }
        this.#error = error instanceof Error ? error.message : String(error);
        this.#retryMs = Math.min(5000, Math.max(100, this.#retryMs * 2));
      },
    ).finally(() => {
      this.#writing = null;
      if (this.#closed || this.#head >= this.#queue.length) return;
      this.#schedule(this.#error !== null ? this.#retryMs : 0);
    });
  }

  /** Drops the consumed front of the queue once it is large, so the array does not grow forever. */
  #compact(): void {
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
