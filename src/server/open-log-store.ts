// The server's log path, opened by the composition root: the LogStore (<data>/logs.db, a SQLite
// file of its own), the ingest every writer goes through, the engine's RunLogs, retention on a
// timer, and the one-time move of run-log rows an older Sluice kept in the state store.
import { randomUUID } from 'node:crypto';
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
import { logStoreFileOf, logStorePart } from '../logs/log-store-file.ts';
import { accessEntryOf } from '../logs/access-log-entry.ts';

/**
 * With PostgreSQL the log tables live in a schema of their own: the state store keeps an older
 * table of the same name (log_lines, the run logs moved out by moveRunLogRows) in its schema.
 */
export const postgresLogSchema = 'sluice_logs';

/** How often retention runs besides after each run. */
const retainEveryMs = 10_000;

export interface OpenedLogs {
  store: LogStore;
  ingest: LogIngest;
  runLogs: RunLogs;
  /** Retention now (also on a timer). */
  retain(): Promise<number>;
  /**
   * Adds a consistent snapshot of the log store to a backup file (SQLite; with PostgreSQL the lines
   * are in the database pg_dump copies). What the instance and access spools hold is stored first.
   */
  snapshotInto(backupFile: string): Promise<void>;
  close(): Promise<void>;
}

/** `database`: postgres://… puts the log tables beside the state in PostgreSQL; absent: <data>/logs.db. */
export async function openLogs(dataDir: string, policy: LogStorePolicy, logger: Logger, database?: string, now: () => Date = () => new Date()): Promise<OpenedLogs> {
  // The SQLite file also holds its cap on every append (a writer faster than the timer below).
  const file = logStoreFileOf(dataDir);
  const store: LogStore = database
    ? await (await import('../logs/postgres/postgres-log-store.ts')).openPostgresLogStore({ connectionString: database, schema: postgresLogSchema })
    : (await import('../logs/sqlite/sqlite-log-store.ts')).openSqliteLogStore(file, { maxBytesTotal: policy.maxBytesTotal });
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
    async snapshotInto(backupFile) {
      if (database) return;
      await instances.pass();
      await access.pass();
      await ingest.flush();
      const { embedSnapshot } = await import('../store/sqlite/backup-parts.ts');
      await embedSnapshot(backupFile, file, logStorePart, path.join(dataDir, `.backup-logs-${randomUUID()}.db`));
    },
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
