// 0017: named leases held by one server at a time (the alert evaluator's first), so work that
// must run once per installation runs on exactly one of several servers sharing the store.
import type { Kysely, Migration } from 'kysely';

export const leaseMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};
