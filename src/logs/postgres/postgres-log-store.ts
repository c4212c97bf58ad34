// The LogStore on PostgreSQL, for servers that keep their state there. `pg` is loaded by
// openPostgresLogStore only, so importing this module costs nothing.
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, InvalidInputError, SluiceError } from '../../errors.ts';
import { checkFilter, checkLimit, checkNewEntries, checkStoredEntry, levelRank } from '../log-query.ts';
import { logLevels, type LogEntry, type LogFilter, type LogPage, type LogRetention, type LogSearch, type LogStore, type LogStoreStats, type LogText, type NewLogEntry } from '../log-store.ts';
import { logSchemaSql, migrateLockKey } from './postgres-log-schema.ts';
import { conditions, fromStored, toStored } from './postgres-log-text.ts';

export interface PostgresLogStoreOptions {
  connectionString: string;
  /** Schema holding the log tables (created by migrate() when missing); the default search_path otherwise. */
  schema?: string;
  /** Pool size (default 4). */
  max?: number;
}

interface Row {
  id: string;
  at: string;
  source: string;
  project: string;
  environment: string | null;
  release: number | null;
  run_id: string | null;
  step_id: string | null;
  service: string | null;
  instance: string | null;
  stream: string;
  level: number | null;
  text: string;
}

const columns = 'id, at, source, project, environment, release, run_id, step_id, service, instance, stream, level, text';
const schemaName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Total-bytes retention aims this far below the cap, so the next writes have room before the next retain. */
const totalHeadroom = 0.9;

/** bigint arrives as text; every id and size a log store reaches fits 2^53. */
function int(value: string | number | null): number {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n)) throw new SluiceError(ErrorCode.storedDataInvalid, `PostgreSQL returned an integer beyond 2^53: ${String(value)}`);
  return n;
}

function toEntry(r: Row): LogEntry {
  const entry = {
    id: int(r.id), at: r.at, source: r.source, project: r.project, environment: r.environment, release: r.release,
    runId: r.run_id, stepId: r.step_id, service: r.service, instance: r.instance, stream: r.stream,
    level: r.level === null ? null : (logLevels[r.level] ?? null), text: fromStored(r.text),
  } as LogEntry;
  return checkStoredEntry(entry, r.level);
}

export class PostgresLogStore implements LogStore {
  readonly #pool: Pool;
  readonly #schema: string | undefined;

  constructor(pool: Pool, schema: string | undefined) {
    this.#pool = pool;
    this.#schema = schema;
  }

  async #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.#transaction(async (c) => {
      await c.query('select pg_advisory_xact_lock($1)', [migrateLockKey]);
      if (this.#schema) await c.query(`create schema if not exists "${this.#schema}"`);
      await c.query(logSchemaSql);
    });
  }

  async append(entries: readonly NewLogEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    checkNewEntries(entries);
    return this.#transaction(async (c) => {
      // The row lock on last_id orders concurrent appends: ids commit in the order they are given.
      const { rows } = await c.query<{ value: string }>("update log_meta set value = value + $1 where key = 'last_id' returning value", [entries.length]);
      const last = int(rows[0]!.value);
      const first = last - entries.length + 1;
      const col = <T>(f: (e: NewLogEntry) => T): T[] => entries.map(f);
      await c.query(
        `insert into log_lines (${columns}, bytes)
         select * from unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int2[], $13::text[], $14::int4[])`,
        [
          entries.map((_, i) => first + i), col((e) => e.at), col((e) => e.source), col((e) => e.project), col((e) => e.environment), col((e) => e.release),
          col((e) => e.runId), col((e) => e.stepId), col((e) => e.service), col((e) => e.instance), col((e) => e.stream),
          col((e) => (e.level === null ? null : levelRank(e.level))), col((e) => toStored(e.text)), col((e) => Buffer.byteLength(e.text)),
        ],
      );
      return last;
    });
  }

  async search(query: LogSearch): Promise<LogPage> {
    checkLimit(query.limit);
    const { before, limit, text, ...filter } = query;
    checkFilter({ ...filter, text });
    const sql = conditions(filter, text);
    if (before !== undefined) sql.where.push(`id < ${push(sql.params, before)}`);
    const { rows } = await this.#pool.query<Row>(`select ${columns} from log_lines${whereOf(sql.where)} order by id desc limit ${limit + 1}`, sql.params);
    const entries = rows.slice(0, limit).map(toEntry);
    return { entries, next: rows.length > limit ? entries[entries.length - 1]!.id : null };
  }

  async readAfter(query: LogFilter & { text?: LogText }, afterId: number, limit: number): Promise<LogEntry[]> {
    checkLimit(limit);
    const { text, ...filter } = query;
    checkFilter(query);
    const sql = conditions(filter, text);
    sql.where.push(`id > ${push(sql.params, afterId)}`);
    const { rows } = await this.#pool.query<Row>(`select ${columns} from log_lines${whereOf(sql.where)} order by id limit ${limit}`, sql.params);
    return rows.map(toEntry);
  }

  async retain(policy: LogRetention): Promise<number> {
    let gone = 0;
    if (policy.olderThan !== null) {
      checkFilter({ since: policy.olderThan });
      gone += (await this.#pool.query('delete from log_lines where at < $1', [policy.olderThan])).rowCount ?? 0;
    }
    if (policy.maxBytesPerProject !== null) {
      const over = await this.#pool.query<{ project: string; bytes: string }>('select project, sum(bytes) as bytes from log_lines group by project having sum(bytes) > $1', [policy.maxBytesPerProject]);
      for (const { project, bytes } of over.rows) gone += await this.#deleteOldest(int(bytes) - policy.maxBytesPerProject, project);
    }
    if (policy.maxBytesTotal !== null) gone += await this.#retainTotal(policy.maxBytesTotal);
    // Dead rows become space the next appends reuse (PostgreSQL keeps the file; VACUUM FULL would lock it).
    if (gone > 0) await this.#pool.query('vacuum log_lines');
    return gone;
  }

  /**
   * PostgreSQL keeps a table's pages after a delete and reuses them, so its size says little about
   * what is live. The cost of a byte of text is taken when the table last grew (size / text then:
   * full of live lines), and the live size estimated as text × that cost.
   */
  async #retainTotal(maxBytes: number): Promise<number> {
    const size = await this.#size();
    const text = int((await this.#pool.query<{ bytes: string | null }>('select sum(bytes) as bytes from log_lines')).rows[0]!.bytes);
    if (text === 0) return 0;
    const meta = await this.#meta();
    let ratio = meta.peakText > 0 ? meta.peakSize / meta.peakText : size / text;
    // Growth by a tenth: new lines beyond the space deletes freed (not the small forks VACUUM adds).
    if (size > meta.peakSize * 1.1) {
      ratio = size / text;
      await this.#pool.query("update log_meta set value = case key when 'peak_size' then $1::bigint else $2::bigint end where key in ('peak_size', 'peak_text')", [size, text]);
    }
    if (text * ratio <= maxBytes) return 0;
    return this.#deleteOldest(text - Math.floor((maxBytes * totalHeadroom) / ratio), null);
  }

  async #meta(): Promise<{ peakSize: number; peakText: number }> {
    const { rows } = await this.#pool.query<{ key: string; value: string }>("select key, value from log_meta where key in ('peak_size', 'peak_text')");
    const get = (key: string): number => int(rows.find((r) => r.key === key)?.value ?? 0);
    return { peakSize: get('peak_size'), peakText: get('peak_text') };
  }

  /** Deletes the oldest lines (of one project, or all) until `excess` bytes of text went. */
  async #deleteOldest(excess: number, project: string | null): Promise<number> {
    if (excess <= 0) return 0;
    const scope = project === null ? '' : 'where project = $2';
    const { rows } = await this.#pool.query<{ id: string }>(
      `select id from (select id, sum(bytes) over (order by id) as running from log_lines ${scope}) t where running >= $1 order by id limit 1`,
      project === null ? [excess] : [excess, project],
    );
    if (rows.length === 0) return 0;
    const cut = int(rows[0]!.id);
    const result = project === null ? await this.#pool.query('delete from log_lines where id <= $1', [cut]) : await this.#pool.query('delete from log_lines where id <= $1 and project = $2', [cut, project]);
    return result.rowCount ?? 0;
  }

  async remove(scope: { runId: string } | { project: string }): Promise<number> {
    const result = 'runId' in scope ? await this.#pool.query('delete from log_lines where run_id = $1', [scope.runId]) : await this.#pool.query('delete from log_lines where project = $1', [scope.project]);
    return result.rowCount ?? 0;
  }

  async #size(): Promise<number> {
    return int((await this.#pool.query<{ size: string }>("select pg_total_relation_size('log_lines') as size")).rows[0]!.size);
  }

  async stats(): Promise<LogStoreStats> {
    const { rows } = await this.#pool.query<{ lines: string; oldest: string | null; last_id: string }>(
      "select (select count(*) from log_lines) as lines, (select min(at) from log_lines) as oldest, (select value from log_meta where key = 'last_id') as last_id",
    );
    const row = rows[0]!;
    return { lines: int(row.lines), bytesOnDisk: await this.#size(), oldestAt: row.oldest, lastId: int(row.last_id) };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

function push(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

const whereOf = (where: string[]): string => (where.length > 0 ? ` where ${where.join(' and ')}` : '');

/** The composition root's factory for a PostgreSQL server: loads `pg`, opens a pool (connections start on first use). */
export async function openPostgresLogStore(opts: PostgresLogStoreOptions): Promise<PostgresLogStore> {
  if (opts.schema !== undefined && !schemaName.test(opts.schema)) {
    throw new InvalidInputError(`invalid PostgreSQL schema name ${JSON.stringify(opts.schema)}`, { schema: opts.schema });
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 4,
    // The schema first; public after it, where pg_trgm's operators may already live.
    ...(opts.schema ? { options: `-c search_path=${opts.schema},public` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return new PostgresLogStore(pool, opts.schema);
}
