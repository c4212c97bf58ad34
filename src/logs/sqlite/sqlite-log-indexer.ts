// The word index of the SQLite log store, built off the append path (docs/decisions/0036-log-index-worker.md).
//
// The index (FTS5 over each block's words) lives in a file of its own beside logs.db
// (logs.db-words), written by a worker thread: SQLite has one writer per file, so an index in
// logs.db would make the worker and the appender take turns, while two files let the append and
// the tokenizing run on two cores at once. The words file holds
//   log_block_words  FTS5, a row per block (rowid = block id)
//   log_indexed      the block ids that have a row (to sweep rows of blocks retention dropped)
//   log_index_state  `through`: every block whose last line id is at most this has a row holding
//                    at least its words (a block only loses lines after it is indexed, except the
//                    newest, which an append may join: its last id then passes `through`).
// A search asks the index only about blocks up to `through` and reads every block after it, so
// results stay exact whatever the index's lag; the lag is bounded by making append wait while more
// than `maxLagLines` lines are not indexed yet. The index is derived: not in backups, rebuilt from
// the blocks when missing or when it does not belong to the logs.db beside it.
// The worker runs only while there is work: it stops 5-10 s (`defaultIdleStopMs`) after its last work and
// starts again at the next append or sweep (an idle worker thread holds about 10 MiB).
import { Worker } from 'node:worker_threads';
import type Sqlite from 'better-sqlite3';
import { indexedText, indexedThrough } from './sqlite-log-words.ts';
import type { Prepare } from './sqlite-log-search.ts';

/** Lines appended but not indexed yet, at most, before append waits for the index. */
export const maxLagLines = 64 * 1024;

// The worker: plain CommonJS evaluated in a worker thread (the server runs from a bundle, tests
// from TypeScript), with better-sqlite3 resolved from this module. One transaction per message,
// deferred: it writes the words file only, and BEGIN IMMEDIATE would lock logs.db (attached, read
// by the sweep) as well.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require('node:module').createRequire(workerData.from)('better-sqlite3');
const db = new Database(workerData.words);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
db.pragma('journal_size_limit = ' + 4 * 1024 * 1024);
db.prepare('attach database ? as logs').run(workerData.logs);
const has = db.prepare('select 1 from log_indexed where block_id = ?');
const remove = db.prepare('delete from log_block_words where rowid = ?');
const insert = db.prepare('insert into log_block_words (rowid, text) values (?, ?)');
const mark = db.prepare('insert or ignore into log_indexed (block_id) values (?)');
const setThrough = db.prepare("update log_index_state set value = ? where key = 'through'");
const gone = db.prepare('select block_id from log_indexed where block_id not in (select id from logs.log_block_meta)').pluck(true);
const unmark = db.prepare('delete from log_indexed where block_id = ?');
// The blocks of a message follow those of the one before (\`from\` is where the main thread
// thought the index stood): after a failed message the next ones are skipped until the main
// thread starts again from what was indexed, so \`through\` never passes a block left out.
let expected = db.prepare("select value from log_index_state where key = 'through'").pluck(true).get();
const index = db.transaction((blocks) => {
  for (const b of blocks) {
    if (has.get(b.id)) remove.run(b.id);
    insert.run(b.id, b.text);
    mark.run(b.id);
  }
  setThrough.run(blocks[blocks.length - 1].lastId);
});
const sweep = db.transaction(() => {
  const ids = gone.all();
  for (const id of ids) { remove.run(id); unmark.run(id); }
  return ids.length;
});
parentPort.on('message', (m) => {
  try {
    if (m.stop) { db.close(); process.exit(0); }
    if (m.sweep) {
      if (sweep() > 0) { db.pragma('incremental_vacuum'); db.pragma('wal_checkpoint(TRUNCATE)'); }
      parentPort.postMessage({ swept: true });
    }
    if (m.blocks && m.from === expected) {
      index(m.blocks);
      expected = m.blocks[m.blocks.length - 1].lastId;
      parentPort.postMessage({ through: expected });
    }
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type FromWorker = { through: number } | { swept: true } | { error: string };

/** How long after a failure (a full disk) the index tries again. */
const retryMs = 1000;
/** Blocks per message: a transaction of the worker. */
const blocksPerMessage = 8;
/** How long the worker waits with nothing to index before it stops (it starts again on demand). */
export const defaultIdleStopMs = 5000;

/**
 * The main thread's side: feeds the worker the blocks past what it was sent (read back from the
 * database, so nothing waits in memory) and knows how far the index has come.
 */
export class BlockIndexer {
  readonly #prepare: Prepare;
  readonly #words: string;
  readonly #logs: string;
  readonly #idleStopMs: number;
  #worker: Worker | null = null;
  #sent = 0;
  #through = 0;
  #error: string | null = null;
  #retry: NodeJS.Timeout | null = null;
  #idle: NodeJS.Timeout | null = null;
  /** When the worker was last given something to do (Date.now()). */
  #lastWork = 0;
  /** Workers told to stop for idleness, until they exit (close waits for them). */
  readonly #stopping = new Set<Promise<void>>();
  #waiters: Array<() => void> = [];
  /** Callers waiting for sweeps, in the order they were asked (the worker answers in order). */
  #sweeps: Array<() => void> = [];
  #closed = false;
  /** start() ran: the worker may be spawned on demand from now on. */
  #started = false;

  constructor(prepare: Prepare, logsFile: string, wordsFile: string, idleStopMs = defaultIdleStopMs) {
    this.#prepare = prepare;
    this.#logs = logsFile;
    this.#words = wordsFile;
    this.#idleStopMs = idleStopMs;
  }

  /** Whether the worker thread is up (it stops when idle). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Starts the worker from where the index stands, sweeping rows of blocks that went meanwhile. */
  start(reader: Sqlite.Database): void {
    if (this.#worker || this.#closed) return;
    const lastId = (this.#prepare("select value from log_meta where key = 'last_id'").get() as { value: number }).value;
    // An index ahead of the lines (logs.db replaced by an older copy) cannot be trusted: rebuilt.
    if (indexedThrough(this.#prepare) > lastId) reader.exec("begin immediate; delete from w.log_block_words; delete from w.log_indexed; update w.log_index_state set value = 0 where key = 'through'; commit;");
    this.#through = this.#sent = indexedThrough(this.#prepare);
    this.#started = true;
    void this.sweep();
    this.pump();
  }

  /** Lines appended and not yet indexed. */
  lag(lastId: number): number {
    return lastId - this.#through;
  }

  /** While the index works, resolves once at most `maxLagLines` lines after `lastId` wait for it. */
  async keepUp(lastId: number): Promise<void> {
    while (!this.#closed && this.#error === null && lastId - this.#through > maxLagLines) await this.#waitForWorker();
  }

  /** Resolves when every line up to `lastId` is indexed (or indexing fails or stops). */
  async caughtUp(lastId: number): Promise<void> {
    while (!this.#closed && this.#error === null && this.#through < lastId) await this.#waitForWorker();
  }

  /** The last indexing error while the index fails; null while it works. */
  get error(): string | null {
    return this.#error;
  }

  /** Sends the worker the blocks appended (or joined) since the last call, up to maxLagLines ahead. */
  pump(): void {
    if (this.#closed || this.#error !== null || !this.#started) return;
    const next = this.#prepare(`select m.id, m.last_id as lastId, d.text from log_block_meta m join log_block_data d on d.id = m.id where m.last_id > ? order by m.id limit ${blocksPerMessage}`);
    while (this.#sent - this.#through < maxLagLines) {
      const blocks = next.all(this.#sent) as Array<{ id: number; lastId: number; text: string }>;
      if (blocks.length === 0) break;
      for (const b of blocks) b.text = indexedText(b.text);
      this.#running().postMessage({ from: this.#sent, blocks });
      this.#sent = blocks[blocks.length - 1]!.lastId;
    }
    this.#idleLater();
  }

  /** Has the worker drop the rows of blocks retention removed and give the pages back; resolves when it did (or cannot). */
  sweep(): Promise<void> {
    if (this.#closed || this.#error !== null || !this.#started) return Promise.resolve();
    this.#running().postMessage({ sweep: true });
    const swept = new Promise<void>((r) => this.#sweeps.push(r));
    this.#holdWhileAwaited();
    this.#idleLater();
    return swept;
  }

  /** The worker, started if it stopped (it starts from what the words file says is indexed). */
  #running(): Worker {
    this.#lastWork = Date.now();
    return this.#worker ?? this.#spawn();
  }

  /**
   * Stops the worker once it has had nothing to do for `idleStopMs`. One timer at a time, checked
   * when it fires (not re-armed at every append: pump is on the log writer's path).
   */
  #idleLater(): void {
    if (this.#idle || !this.#worker) return;
    this.#idle = setTimeout(() => {
      this.#idle = null;
      const worker = this.#worker;
      if (!worker) return;
      const quiet = Date.now() - this.#lastWork;
      if (this.#sent !== this.#through || this.#sweeps.length > 0 || quiet < this.#idleStopMs) {
        this.#idleLater();
        return;
      }
      this.#worker = null;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      this.#stopping.add(exited);
      void exited.then(() => this.#stopping.delete(exited));
      // Held until it exits, so that a close() awaiting it is not left behind by an empty event loop.
      worker.ref();
      worker.postMessage({ stop: true });
    }, this.#idleStopMs);
    this.#idle.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#idle) clearTimeout(this.#idle);
    this.#wake();
    await Promise.all(this.#stopping);
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.postMessage({ stop: true });
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  #spawn(): Worker {
    const worker = new Worker(workerSource, { eval: true, workerData: { from: import.meta.url, words: this.#words, logs: this.#logs } });
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      if ('swept' in m) this.#sweeps.shift()?.();
      else if ('through' in m) this.#through = Math.max(this.#through, m.through);
      else if ('error' in m) this.#fail(m.error);
      if (!('error' in m)) this.pump();
      this.#wake();
    });
    worker.on('error', (e) => this.#fail(e.message));
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (!this.#closed) this.#fail('the index worker stopped');
    });
    this.#worker = worker;
    return worker;
  }

  /** Searches stay exact (they read unindexed blocks); appends stop waiting; a retry starts over from what is indexed. */
  #fail(message: string): void {
    this.#error = message;
    this.#wake();
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#closed) return;
      this.#error = null;
      // A new worker starts from what its predecessor committed (its last answer may have been lost).
      if (!this.#worker) this.#through = indexedThrough(this.#prepare);
      this.#sent = this.#through;
      void this.sweep();
      this.pump();
    }, retryMs);
    this.#retry.unref();
  }

  /** Resolves at the worker's next answer (or failure, or close). */
  #waitForWorker(): Promise<void> {
    const answered = new Promise<void>((r) => this.#waiters.push(r));
    this.#holdWhileAwaited();
    return answered;
  }

  /** The worker keeps the process up only while a caller awaits it (the index is derived: the next start catches up). */
  #holdWhileAwaited(): void {
    if (this.#waiters.length > 0 || this.#sweeps.length > 0) this.#worker?.ref();
    else this.#worker?.unref();
  }

  #wake(): void {
    if (this.#error !== null || this.#closed) for (const sweep of this.#sweeps.splice(0)) sweep();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
    this.#holdWhileAwaited();
  }
}
