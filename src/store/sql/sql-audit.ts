// The audit chain in SQL: appends that extend the chain by exactly one entry, and its reads.
// Apart from the rest of the store because appends serialize on a lock of their own.
import { sql, type Kysely, type Transaction } from 'kysely';
import { auditHash, genesisHash, type AuditHead } from '../../audit/audit-chain.ts';
import { ErrorCode, SluiceError } from '../../errors.ts';
import type { AuditRecord } from '../records.ts';
import type { AuditFilter, NewAuditEntry } from '../store.ts';
import type { Database } from './database.ts';
import type { DialectCapabilities } from './migrations.ts';

/** The advisory lock that serializes audit appends on PostgreSQL (any fixed number; "sluice-audit"). */
const auditLockKey = 0x5a_75_64_17;

/** Appends inside the store's numbering transaction (retried there when it loses a race). */
export async function appendAuditEntry(tx: Transaction<Database>, caps: DialectCapabilities, entry: NewAuditEntry): Promise<AuditRecord> {
  // PostgreSQL: servers queue here, and each then reads the head the one before committed
  // (READ COMMITTED reads afresh per statement). SQLite: a racing second writer fails to
  // upgrade its read and is tried again. Either way the id (a primary key) is the backstop.
  if (caps.advisoryLocks) await sql`select pg_advisory_xact_lock(${auditLockKey})`.execute(tx);
  const head = await tx.selectFrom('auditHead').selectAll().where('id', '=', 1).executeTakeFirst();
  const lastId = head?.lastId ?? 0;
  const prevHash = head?.lastHash ?? genesisHash;
  const id = lastId + 1;
  const row: AuditRecord = { ...entry, id, prevHash, hash: auditHash(entry, prevHash) };
  await tx.insertInto('audit').values(row).execute();
  if (head) {
    const r = await tx.updateTable('auditHead').set({ lastId: id, lastHash: row.hash }).where('id', '=', 1).where('lastId', '=', lastId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new SluiceError(ErrorCode.conflict, 'the audit chain head moved during an append', { retryable: true });
  } else {
    await tx.insertInto('auditHead').values({ id: 1, lastId: id, lastHash: row.hash }).execute();
  }
  return row;
}

export function listAuditEntries(db: Kysely<Database>, filter: AuditFilter): Promise<AuditRecord[]> {
  let q = db.selectFrom('audit').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  return q.orderBy('id', 'desc').limit(filter.limit).execute();
}

export function auditEntriesAfter(db: Kysely<Database>, afterId: number, limit: number): Promise<AuditRecord[]> {
  return db.selectFrom('audit').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

export async function readAuditHead(db: Kysely<Database>): Promise<AuditHead | undefined> {
  const head = await db.selectFrom('auditHead').select(['lastId', 'lastHash']).where('id', '=', 1).executeTakeFirst();
  return head ? { lastId: head.lastId, lastHash: head.lastHash } : undefined;
}

export async function auditIdOfHash(db: Kysely<Database>, hash: string): Promise<number | undefined> {
  return (await db.selectFrom('audit').select('id').where('hash', '=', hash).orderBy('id').limit(1).executeTakeFirst())?.id;
}
