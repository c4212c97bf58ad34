// 0021: the OCI image of a run's build (`host/repo:rN@sha256:…`), copied onto each release made
// from it, so a rollback puts back the same digest instead of building again (0044).
import type { Kysely, Migration } from 'kysely';

export const releaseImageMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('image', 'text').execute();
    await db.schema.alterTable('releases').addColumn('image', 'text').execute();
  },
};
