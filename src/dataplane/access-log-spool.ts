// The router's access lines on their way to the log store, the same way instance output goes:
// appended to a spool file per environment (<data>/logs/access/PROJECT.ENV.log, JSON lines,
// rotated like an instance's log) that the server's ingester tails into the store and deletes
// once stored. The data plane never waits for the store or the server: a write is a buffered
// append, dropped (and counted) when the disk does not keep up, so a slow or full disk costs the
// router nothing but the lines.
import path from 'node:path';
import { errorMessage } from '../errors.ts';
import { InstanceLog, type InstanceLogLimits } from '../runtime/process/log-writer.ts';
import type { AccessLine } from '../router/edge/access-log.ts';

/** Bytes queued in memory per environment at most; beyond, lines are dropped until the disk catches up. */
const maxPendingBytes = 1024 * 1024;
/** After a write error (a full disk) the file is opened again no sooner than this. */
const reopenAfterMs = 5000;

export class AccessLogSpool {
  readonly #dir: string;
  readonly #limits: InstanceLogLimits;
  readonly #log: (line: string) => void;
  readonly #files = new Map<string, InstanceLog>();
  /** Environments whose file failed, and when it may be opened again. */
  readonly #failed = new Map<string, number>();
  /** When a failure of the environment was last logged (once a minute at most: a full disk fails every retry). */
  readonly #reported = new Map<string, number>();
  /** Lines dropped since start (disk too slow, or failing). */
  dropped = 0;

  constructor(dir: string, limits: InstanceLogLimits, log: (line: string) => void) {
    this.#dir = dir;
    this.#limits = limits;
    this.#log = log;
  }

  write(a: AccessLine): void {
    const key = `${a.project}.${a.environment}`;
    const file = this.#file(key);
    if (!file || file.pendingBytes > maxPendingBytes) {
      this.dropped++;
      return;
    }
    file.writeRecord({ stream: 'access', line: a.line, status: a.status, service: a.service, instance: a.instance });
    if (file.error) this.#fail(key, file, file.error);
  }

  /** The `PROJECT.ENV` keys of the files open now (the sweep leaves them alone). */
  liveKeys(): Set<string> {
    return new Set(this.#files.keys());
  }

  async close(): Promise<void> {
    const files = [...this.#files.values()];
    this.#files.clear();
    await Promise.all(files.map((f) => f.close()));
  }

  #file(key: string): InstanceLog | null {
    const open = this.#files.get(key);
    if (open && !open.error) return open;
    if (open?.error) {
      this.#fail(key, open, open.error);
      return null;
    }
    const retryAt = this.#failed.get(key);
    if (retryAt !== undefined && Date.now() < retryAt) return null;
    try {
      const file = new InstanceLog(path.join(this.#dir, `${key}.log`), { limits: this.#limits });
      this.#files.set(key, file);
      this.#failed.delete(key);
      return file;
    } catch (error) {
      this.#fail(key, null, error);
      return null;
    }
  }

  #fail(key: string, file: InstanceLog | null, error: unknown): void {
    const now = Date.now();
    if (now - (this.#reported.get(key) ?? 0) >= 60_000) {
      this.#reported.set(key, now);
      this.#log(`access log of ${key}: cannot write (${errorMessage(error)}); its lines are dropped, the file is tried again every ${reopenAfterMs / 1000} s`);
    }
    this.#failed.set(key, now + reopenAfterMs);
    if (file) {
      this.#files.delete(key);
      void file.close();
    }
  }
}
