// Named leases in SQL: taken by compare-and-set (free, lapsed, already ours, or taken over from
// a holder known dead), as runs and environments are, so two servers never both hold one.
import type { Kysely } from 'kysely';
import type { LeaseRecord } from '../store.ts';
import type { Database } from './database.ts';

export async function acquireLeaseRow(db: Kysely<Database>, name: string, owner: string, until: string, now: string, takeOverFrom?: string): Promise<boolean> {
  const inserted = await db
    .insertInto('leases')
    .values({ name, owner, expiresAt: until })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
  const updated = await db
    .updateTable('leases')
    .set({ owner, expiresAt: until })
    .where('name', '=', name)
    .where((eb) => {
      const free = [eb('owner', '=', owner), eb('expiresAt', '<', now)];
      if (takeOverFrom !== undefined) free.push(eb('owner', '=', takeOverFrom));
      return eb.or(free);
    })
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function getLeaseRow(db: Kysely<Database>, name: string): Promise<LeaseRecord | undefined> {
  return db.selectFrom('leases').select(['name', 'owner', 'expiresAt']).where('name', '=', name).executeTakeFirst();
}

export async function releaseLeaseRow(db: Kysely<Database>, name: string, owner: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
}
