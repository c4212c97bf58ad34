// The notification outbox in SQL. Claims are compare-and-set on the lease (as runs are
// claimed): of two servers racing for one delivery, exactly one update applies.
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { deliveryRecordSchema, type DeliveryLogEntry, type DeliveryOutcome, type DeliveryRecord, type NewDelivery } from '../../notifications/delivery-record.ts';
import type { Database, NotificationDeliveryRow } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

function fromRow(r: Selectable<NotificationDeliveryRow>): DeliveryRecord {
  return deliveryRecordSchema.parse({ ...r, eventSeq: Number(r.eventSeq), attempts: Number(r.attempts) });
}

export async function getNotificationSecretRow(db: Kysely<Database>, project: string): Promise<string | undefined> {
  return (await db.selectFrom('notificationSecrets').select('sealed').where('project', '=', project).executeTakeFirst())?.sealed;
}

export async function putNotificationSecretRow(db: Kysely<Database>, project: string, sealed: string, now: string): Promise<string> {
  try {
    await db.insertInto('notificationSecrets').values({ project, sealed, createdAt: now }).execute();
    return sealed;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const stored = await getNotificationSecretRow(db, project);
    if (stored === undefined) throw error;
    return stored;
  }
}

export async function notifierCursorRow(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('notifierCursor').select('seq').where('id', '=', 1).executeTakeFirst();
  return row ? Number(row.seq) : 0;
}

export async function advanceNotifierCursorRow(db: Kysely<Database>, seq: number): Promise<void> {
  const moved = await db.updateTable('notifierCursor').set({ seq }).where('id', '=', 1).where('seq', '<', seq).executeTakeFirst();
  if (Number(moved.numUpdatedRows) > 0) return;
  try {
    await db.insertInto('notifierCursor').values({ id: 1, seq }).execute();
  } catch (error) {
    // Another server created the row first, or it already holds a seq at or past this one.
    if (!isUniqueViolation(error)) throw error;
    await db.updateTable('notifierCursor').set({ seq }).where('id', '=', 1).where('seq', '<', seq).execute();
  }
}

export async function addDeliveryRows(db: Kysely<Database>, deliveries: readonly NewDelivery[]): Promise<number> {
  let added = 0;
  for (const d of deliveries) {
    const r = await db
      .insertInto('notificationDeliveries')
      .values({ ...d, state: 'pending', attempts: 0, lastStatus: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: d.createdAt })
      .onConflict((oc) => oc.columns(['eventId', 'target']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

export async function claimDeliveryRows(db: Kysely<Database>, owner: string, now: string, leaseUntil: string, limit: number): Promise<DeliveryRecord[]> {
  const due = await db
    .selectFrom('notificationDeliveries')
    .select(['id', 'leaseOwner'])
    .where('state', '=', 'pending')
    .where('nextAttemptAt', '<=', now)
    .where((eb) => eb.or([eb('leaseExpiresAt', 'is', null), eb('leaseExpiresAt', '<', now)]))
    .orderBy('nextAttemptAt')
    .orderBy('eventSeq')
    .limit(limit)
    .execute();
  const claimed: DeliveryRecord[] = [];
  for (const d of due) {
    let q = db.updateTable('notificationDeliveries').set({ leaseOwner: owner, leaseExpiresAt: leaseUntil }).where('id', '=', d.id).where('state', '=', 'pending');
    q = q.where((eb) => eb.or([eb('leaseExpiresAt', 'is', null), eb('leaseExpiresAt', '<', now)]));
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) continue;
    const row = await db.selectFrom('notificationDeliveries').selectAll().where('id', '=', d.id).where('leaseOwner', '=', owner).executeTakeFirst();
    if (row) claimed.push(fromRow(row));
  }
  return claimed;
}

export async function finishDeliveryRow(db: Kysely<Database>, id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
  const r = await db
    .updateTable('notificationDeliveries')
    .set({ ...outcome, leaseOwner: null, leaseExpiresAt: null })
    .where('id', '=', id)
    .where('leaseOwner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deferDeliveryRow(db: Kysely<Database>, id: string, owner: string, nextAttemptAt: string): Promise<boolean> {
  const r = await db.updateTable('notificationDeliveries').set({ nextAttemptAt, leaseOwner: null, leaseExpiresAt: null }).where('id', '=', id).where('leaseOwner', '=', owner).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The environment is the event's (stored once, in `events`): the log joins it rather than copying it into every delivery. */
export async function listDeliveryRows(db: Kysely<Database>, project: string, limit: number, environments?: readonly string[]): Promise<DeliveryLogEntry[]> {
  let q = db
    .selectFrom('notificationDeliveries as d')
    .leftJoin('events as e', 'e.seq', 'd.eventSeq')
    .selectAll('d')
    .select('e.environment as eventEnvironment')
    .where('d.project', '=', project);
  if (environments !== undefined) q = environments.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('e.environment', 'in', environments);
  const rows = await q.orderBy('d.eventSeq', 'desc').orderBy('d.createdAt', 'desc').limit(limit).execute();
  return rows.map(({ eventEnvironment, ...r }) => ({ ...fromRow(r), environment: z.string().nullable().parse(eventEnvironment ?? null) }));
}

export async function nextDeliveryDueRow(db: Kysely<Database>): Promise<string | null> {
  const row = await db.selectFrom('notificationDeliveries').select((eb) => eb.fn.min('nextAttemptAt').as('due')).where('state', '=', 'pending').executeTakeFirst();
  return row?.due ?? null;
}
