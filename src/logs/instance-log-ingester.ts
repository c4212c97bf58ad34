// Instance stdout/stderr into the LogStore. The shim (src/runtime/process/shim) still appends each
// redacted line to <data>/logs/instances/ID.log, which now is a spool: this ingester, in the
// server, tails every spool file (woken by inotify, and on a timer), adds each line to the
// ingest, and deletes a rotated file once it has read it to the end. So a line is kept twice at
// most until the active file rotates, and the shim never waits for the server: a control plane
// that is down or restarting loses nothing (the data plane's sweep still bounds the spool).
// Where each file was read to is kept by inode in <data>/logs/instance-ingest.json, written
// after the lines it covers were appended: a crash repeats at most the last batch. The router's
// access spool (<data>/logs/access/PROJECT.ENV.log) is tailed the same way, with accessEntryOf.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { entryText, parseStructured } from './log-entry.ts';
import { instanceScope } from './instance-scope.ts';
import type { LogStream, NewLogEntry } from './log-store.ts';
import type { LogWriter } from './log-writer.ts';

const LOG_FILE = /^(.+)\.log(?:\.([1-9][0-9]{0,5}))?$/;
/** Bytes read from one file per pass, so a burst cannot fill memory. */
const maxBytesPerPass = 4 * 1024 * 1024;
/** A rotated file may still get the writes queued on the shim's old stream: it is deleted this long after its last write. */
const settleMs = 2000;

const recordSchema = z.object({ ts: z.string(), stream: z.enum(['stdout', 'stderr']), line: z.string(), truncated: z.boolean().optional() });
const cursorsSchema = z.record(z.string(), z.number().int().nonnegative());

export interface InstanceLogIngesterOptions {
  dir: string;
  /** Where read positions are kept between starts. */
  cursorFile: string;
  /** The ingest: while it cannot store (status().error), spool files are left to wait where they are. */
  logs: LogWriter & { status(): { error: string | null } };
  onError: (message: string, error: unknown) => void;
  /**
   * A spool record → the entry stored (`fileId`: the file's name without .log[.N]; `fallbackAt` for
   * a record without a time). Default: instance output (files named by instance id).
   */
  entryOf?: (raw: string, fileId: string, fallbackAt: string) => NewLogEntry | null;
  /** A pass at least this often, besides file-system events (default 500 ms). */
  pollMs?: number;
  now?: () => number;
}


function instanceEntryOf(raw: string, id: string, fallbackAt: string): NewLogEntry | null {
  if (raw === '') return null;
  let record: z.infer<typeof recordSchema> | null = null;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    if (parsed.success) record = parsed.data;
  } catch {
    // not a record of the shim: kept as text
  }
  const ms = record ? Date.parse(record.ts) : NaN;
  const text = entryText(record ? record.line : raw, record?.truncated ?? false);
  return {
    at: Number.isNaN(ms) ? fallbackAt : new Date(ms).toISOString(),
    source: 'instance',
    ...instanceScope(id),
    runId: null,
    stepId: null,
    instance: id,
    stream: (record?.stream ?? 'stdout') satisfies LogStream,
    level: parseStructured(text).level,
    text,
  };
}

export class InstanceLogIngester {
  readonly #opts: InstanceLogIngesterOptions;
  readonly #now: () => number;
  readonly #entryOf: (raw: string, fileId: string, fallbackAt: string) => NewLogEntry | null;
  /** Read position by inode. */
  #cursors = new Map<number, number>();
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #savedJson = '';

  constructor(opts: InstanceLogIngesterOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#entryOf = opts.entryOf ?? instanceEntryOf;
  }

  async start(): Promise<void> {
    await mkdir(this.#opts.dir, { recursive: true });
    const saved = await readFile(this.#opts.cursorFile, 'utf8').catch(() => null);
    if (saved !== null) {
      try {
        const parsed = cursorsSchema.parse(JSON.parse(saved));
        for (const [ino, offset] of Object.entries(parsed)) this.#cursors.set(Number(ino), offset);
      } catch (error) {
        this.#opts.onError(`${this.#opts.cursorFile} is unreadable; instance spool files are read from their start`, error);
      }
    }
    try {
      this.#watcher = watch(this.#opts.dir, () => this.kick());
      // Like the timer below: the watch alone never keeps a server that failed to start alive.
      this.#watcher.unref();
      this.#watcher.on('error', () => undefined);
    } catch (error) {
      this.#opts.onError(`cannot watch ${this.#opts.dir}; polling only`, error);
    }
    this.#timer = setInterval(() => this.kick(), this.#opts.pollMs ?? 500);
    this.#timer.unref();
    await this.pass();
  }

  /** Asks for a pass (one runs at a time; one more follows if asked meanwhile). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    void this.pass();
  }

  /** Reads every spool file to its end once (tests call it to be deterministic). */
  pass(): Promise<void> {
    this.#pass ??= (async () => {
      try {
        do {
          this.#again = false;
          if (await this.#readAll()) this.#again = true;
        } while (this.#again && !this.#stopped);
      } catch (error) {
        this.#opts.onError('reading instance logs', error);
      } finally {
        this.#pass = null;
      }
    })();
    return this.#pass;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    if (this.#timer) clearInterval(this.#timer);
    await this.#pass;
  }

  /** One pass over every file; true when a file had more than one pass may read. */
  async #readAll(): Promise<boolean> {
    if (this.#opts.logs.status().error !== null) return false;
    const names = await readdir(this.#opts.dir).catch(() => [] as string[]);
    const byInstance = new Map<string, Array<{ name: string; n: number }>>();
    for (const name of names) {
      const m = LOG_FILE.exec(name);
      if (!m) continue;
      const list = byInstance.get(m[1]!) ?? [];
      list.push({ name, n: m[2] === undefined ? 0 : Number(m[2]) });
      byInstance.set(m[1]!, list);
    }
    let more = false;
    const seen = new Set<number>();
    const deletable: Array<{ file: string; ino: number }> = [];
    for (const [id, files] of byInstance) {
      // Oldest first: ID.log.N … ID.log.1, then ID.log.
      files.sort((a, b) => (a.n === 0 ? 1 : b.n === 0 ? -1 : b.n - a.n));
      for (const f of files) {
        const file = path.join(this.#opts.dir, f.name);
        const st = await stat(file).catch(() => null);
        if (!st?.isFile()) continue;
        seen.add(st.ino);
        const from = Math.min(this.#cursors.get(st.ino) ?? 0, st.size);
        if (st.size > from) {
          const read = await this.#readFrom(file, from, id);
          this.#cursors.set(st.ino, read.offset);
          if (read.more) more = true;
          if (read.offset < st.size) continue;
        }
        if (f.n > 0 && this.#now() - st.mtimeMs > settleMs) deletable.push({ file, ino: st.ino });
      }
    }
    await this.#opts.logs.flush();
    if (this.#opts.logs.status().error !== null) return false; // not stored yet: keep the files, save no positions
    // Only now are the lines read stored: the positions may be saved and read files deleted.
    for (const { file, ino } of deletable) {
      await rm(file, { force: true });
      this.#cursors.delete(ino);
    }
    for (const ino of [...this.#cursors.keys()]) if (!seen.has(ino)) this.#cursors.delete(ino);
    await this.#save();
    return more;
  }

  /** Complete lines of `file` from `from` (at most maxBytesPerPass), added to the ingest. */
  async #readFrom(file: string, from: number, id: string): Promise<{ offset: number; more: boolean }> {
    const handle = await open(file, 'r').catch(() => null);
    if (!handle) return { offset: from, more: false };
    try {
      const buf = Buffer.allocUnsafe(maxBytesPerPass);
      const { bytesRead } = await handle.read(buf, 0, buf.length, from);
      const data = buf.subarray(0, bytesRead);
      const fallbackAt = new Date(this.#now()).toISOString();
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        const entry = this.#entryOf(data.subarray(start, nl).toString('utf8'), id, fallbackAt);
        if (entry) this.#opts.logs.add(entry);
        start = nl + 1;
      }
      // A record longer than a whole pass cannot complete: skip past it (the shim caps lines far below).
      if (start === 0 && bytesRead === maxBytesPerPass) start = bytesRead;
      return { offset: from + start, more: bytesRead === maxBytesPerPass };
    } finally {
      await handle.close();
    }
  }

  async #save(): Promise<void> {
    const json = JSON.stringify(Object.fromEntries(this.#cursors));
    if (json === this.#savedJson) return;
    const temp = `${this.#opts.cursorFile}.tmp`;
    await writeFile(temp, json);
    await rename(temp, this.#opts.cursorFile);
    this.#savedJson = json;
  }
}
