// Dashboard sessions in SQL: found by the hash of the cookie value, touched as they are used,
// deleted on sign-out and swept once idle or past their absolute expiry.
import type { Kysely } from 'kysely';
import type { SessionRecord } from '../records.ts';
import type { Database } from './database.ts';

export async function insertSession(db: Kysely<Database>, session: SessionRecord): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export function getSessionRow(db: Kysely<Database>, id: string): Promise<SessionRecord | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSessionRow(db: Kysely<Database>, id: string, at: string): Promise<void> {
  // Never backwards: two servers touching at once keep the later time.
  await db.updateTable('sessions').set({ lastSeenAt: at }).where('id', '=', id).where('lastSeenAt', '<', at).execute();
}

export async function deleteSessionRow(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes sessions past `now` (absolute expiry) or last seen before `idleBefore`; returns how many. */
export async function deleteStaleSessionRows(db: Kysely<Database>, now: string, idleBefore: string): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expiresAt', '<=', now), eb('lastSeenAt', '<', idleBefore)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes every session of a token (revoked: its sessions end with it). */
export async function deleteTokenSessionRows(db: Kysely<Database>, tokenId: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('tokenId', '=', tokenId).executeTakeFirst();
  return Number(r.numDeletedRows);
}
