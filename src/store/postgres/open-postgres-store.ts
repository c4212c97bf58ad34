// The server store: PostgreSQL through a `pg` Pool, shared by any number of Sluice servers.
// Same SqlStore as SQLite; only the dialect, the number parsing and the schema differ.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../backoff.ts';
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../sql/database.ts';
import type { DialectCapabilities } from '../sql/migrations.ts';
import { SqlStore } from '../sql/sql-store.ts';
import { ConflictError, InvalidInputError, SluiceError, ErrorCode } from '../../errors.ts';
import type { StoreBackup } from '../store-backup.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Sluice's tables (created by migrate() when missing); PostgreSQL's default search_path otherwise. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
}

const int8Oid = 20;
const schemaName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** bigint/bigserial and count() arrive as text (they may exceed 2^53); every one Sluice keeps fits. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new SluiceError(ErrorCode.unavailable, `PostgreSQL returned an integer beyond 2^53: ${value}`);
  return n;
}

// Per-pool parsers: the global pg.types registry is left untouched.
const getTypeParser = ((oid: number, format?: 'text' | 'binary'): unknown =>
  oid === int8Oid && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'];

export class PostgresStore extends SqlStore implements StoreBackup {
  private readonly pgDb: Kysely<Database>;
  private readonly schema: string | undefined;
  readonly #connectionString: string;

  constructor(
    pgDb: Kysely<Database>,
    caps: DialectCapabilities,
    schema: string | undefined,
    connectionString: string,
  ) {
    super(pgDb, caps);
    this.pgDb = pgDb;
    this.schema = schema;
    this.#connectionString = connectionString;
  }

  /** PostgreSQL has its own consistent online dump; Sluice does not copy a shared database through one server. */
  backup(_file: string, hint: string): Promise<void> {
    return Promise.reject(new ConflictError(`the store is PostgreSQL: back it up with pg_dump (it reads the password from PGPASSWORD or ~/.pgpass): ${pgDumpCommand(this.#connectionString, this.schema, hint)}`, { store: 'postgresql' }));
  }

  override async migrate(): Promise<void> {
    if (this.schema) await sql`create schema if not exists ${sql.id(this.schema)}`.execute(this.pgDb);
    const current = this.schema ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(this.pgDb)).rows[0]?.schema;
    for (let attempt = 0; ; attempt++) {
      try {
        await super.migrate(current);
        return;
      } catch (error) {
        // Kysely's introspection reads the catalog of every schema of the database: another
        // schema dropped, created or migrated at that moment (another installation, another test)
        // fails it with "schema/relation … does not exist", or "column … of relation … does not
        // exist" (its pg_get_serial_sequence looks each column up by name). Migrations are
        // transactional: tried again.
        if (attempt >= 4 || !catalogRace(error)) throw error;
        await sleep(backoffDelay(attempt, 50, 1000));
      }
    }
  }
}

/** PostgreSQL's invalid_schema_name, undefined_table and undefined_column, anywhere in the error's causes. */
function catalogRace(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '3F000' || code === '42P01' || code === '42703') return true;
  }
  return false;
}

export function openPostgresStore(opts: PostgresStoreOptions): PostgresStore {
  if (opts.schema !== undefined && !schemaName.test(opts.schema)) {
    throw new InvalidInputError(`invalid PostgreSQL schema name ${JSON.stringify(opts.schema)}`, { schema: opts.schema });
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    types: { getTypeParser },
    // Set at connection start-up, so every pooled connection (and the migrator) sees the schema.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  return new PostgresStore(db, { serialType: 'bigserial', advisoryLocks: true }, opts.schema, opts.connectionString);
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A connection string fit to print: the password removed (pg_dump and psql read PGPASSWORD or ~/.pgpass). */
export function connectionWithoutPassword(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    return url.toString();
  } catch {
    // not a URL: a libpq key=value string
    return connectionString.replace(/\bpassword\s*=\s*('[^']*'|\S+)/g, '').trim();
  }
}

/** The pg_dump command line for a connection string, without its password (never printed). */
export function pgDumpCommand(connectionString: string, schema: string | undefined, file: string): string {
  return ['pg_dump', '--format=custom', `--file=${shellQuote(file)}`, ...(schema ? [`--schema=${schema}`] : []), shellQuote(connectionWithoutPassword(connectionString))].join(' ');
}
