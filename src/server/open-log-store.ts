// The server's log path, opened by the composition root: the LogStore (<data>/logs.db, a SQLite
// file of its own), the ingest every writer goes through, the engine's RunLogs, retention on a
// timer, and the one-time move of run-log rows an older Sluice kept in the state store.
import path from 'node:path';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../engine/logger.ts';
import { LogIngest } from '../logs/log-ingest.ts';
import type { LogRetention, LogStore, NewLogEntry } from '../logs/log-store.ts';
import type { RunLogs } from '../logs/log-writer.ts';
import { entryText, parseStructured } from '../logs/log-entry.ts';
import type { Store } from '../store/store.ts';
import type { LogStorePolicy } from '../logs/log-store-policy.ts';
import { accessLogDir, instanceLogDir } from '../dataplane/data-plane-paths.ts';
import { InstanceLogIngester } from '../logs/instance-log-ingester.ts';
import { accessEntryOf } from '../logs/access-log-entry.ts';

/** How often retention runs besides after each run. */
const retainEveryMs = 10_000;

export interface OpenedLogs {
  store: LogStore;
  ingest: LogIngest;
  runLogs: RunLogs;
  /** Retention now (also on a timer). */
  retain(): Promise<number>;
  close(): Promise<void>;
}

/** `database`: postgres://… puts the log tables beside the state in PostgreSQL; absent: <data>/logs.db. */
export async function openLogs(dataDir: string, policy: LogStorePolicy, logger: Logger, database?: string, now: () => Date = () => new Date()): Promise<OpenedLogs> {
  // The SQLite file also holds its cap on every append (a writer faster than the timer below).
  const store: LogStore = database
    ? await (await import('../logs/postgres/postgres-log-store.ts')).openPostgresLogStore({ connectionString: database })
    : (await import('../logs/sqlite/sqlite-log-store.ts')).openSqliteLogStore(path.join(dataDir, 'logs.db'), { maxBytesTotal: policy.maxBytesTotal });
  await store.migrate();
  const ingest = new LogIngest(store, {
    onError: (e) => logger.error(`the log store cannot take lines (${errorMessage(e)}); lines are queued, the oldest dropped past 32 MiB, deploys and instances go on`, e),
    onRecover: () => logger.info('the log store takes lines again'),
  });
  const retention = (): LogRetention => ({
    olderThan: new Date(now().getTime() - policy.maxAgeMs).toISOString(),
    maxBytesPerProject: policy.maxBytesPerProject,
    maxBytesTotal: policy.maxBytesTotal,
  });
  let running: Promise<number> | null = null;
  const retain = (): Promise<number> => {
    running ??= store
      .retain(retention())
      .catch((e: unknown) => {
        logger.error('log retention failed', e);
        return 0;
      })
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void retain(), retainEveryMs);
  timer.unref();
  // Instance output: the shims' spool files, tailed into the store.
  const instances = new InstanceLogIngester({
    dir: instanceLogDir(dataDir),
    cursorFile: path.join(dataDir, 'logs', 'instance-ingest.json'),
    logs: ingest,
    onError: (m, e) => logger.error(m, e),
  });
  await instances.start();
  // The router's access lines: spooled by the data plane per environment, tailed the same way.
  const access = new InstanceLogIngester({
    dir: accessLogDir(dataDir),
    cursorFile: path.join(dataDir, 'logs', 'access-ingest.json'),
    logs: ingest,
    entryOf: accessEntryOf,
    onError: (m, e) => logger.error(`access log spool: ${m}`, e),
  });
  await access.start();
  return {
    store,
    ingest,
    runLogs: {
      add: (e) => ingest.add(e),
      flush: () => ingest.flush(),
      async removeRuns(ids) {
        await ingest.flush();
        let n = 0;
        for (const runId of ids) n += await store.remove({ runId });
        return n;
      },
    },
    retain,
    async close() {
      clearInterval(timer);
      await instances.stop();
      await access.stop();
      await ingest.close();
      await running;
      await store.close();
    },
  };
}

/**
 * Run-log rows of an older Sluice (the state store's `log_lines`) move to the log store once,
 * page by page, each page deleted after it is appended: a crash in between repeats at most that
 * page. Returns how many lines moved.
 */
export async function moveRunLogRows(state: Store, logs: LogStore, logger: Logger): Promise<number> {
  let moved = 0;
  for (;;) {
    const rows = await state.readOldLogs(2000);
    if (rows.length === 0) break;
    const entries: NewLogEntry[] = rows.map((r) => {
      const text = entryText(r.line);
      const ms = Date.parse(r.at);
      return {
        at: new Date(Number.isNaN(ms) ? 0 : ms).toISOString(),
        source: 'step',
        project: r.project,
        environment: null,
        release: null,
        runId: r.runId,
        stepId: r.stepId,
        service: null,
        instance: null,
        stream: r.stream === 'stdout' || r.stream === 'stderr' ? r.stream : 'event',
        level: parseStructured(text).level,
        text,
      };
    });
    await logs.append(entries);
    await state.deleteOldLogs(rows[rows.length - 1]!.id);
    moved += rows.length;
  }
  if (moved) logger.info(`moved ${moved} run log line(s) from the state store to the log store`);
  return moved;
}

/**
 * `sluice backup` holds the store only: the runs' lines (step output, deploy events of runs) are
 * written into the copy's run-log table, the form an older Sluice kept them in, so a restored
 * server moves them into its new log store at start (moveRunLogRows). Instance output is
 * machine-local, as the spool and the releases are, and is not in a backup.
 */
export async function copyRunLogsInto(backupFile: string, logs: LogStore): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(backupFile);
  try {
    const insert = db.prepare('insert into log_lines (run_id, step_id, at, stream, line) values (?, ?, ?, ?, ?)');
    let after = 0;
    let copied = 0;
    for (;;) {
      const read = await logs.readAfter({}, after, 5000);
      if (read.length === 0) break;
      after = read[read.length - 1]!.id;
      const batch = read.filter((e) => e.runId !== null);
      db.transaction(() => {
        for (const e of batch) insert.run(e.runId, e.stepId, e.at, e.stream === 'event' ? 'system' : e.stream, e.text);
      })();
      copied += batch.length;
    }
    return copied;
  } finally {
    db.close();
  }
}
