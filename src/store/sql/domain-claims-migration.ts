// 0012_domain_claims: which (project, environment) serves each custom domain. The domain is the
// key, so two environments can never hold one name, also with several servers on one database.
import type { Kysely, Migration } from 'kysely';

export const domainClaimsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('domain_claims')
      .addColumn('domain', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('certificate_group', 'text')
      .addColumn('certificate_key', 'text')
      .addColumn('hsts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('domain_claims_owner').on('domain_claims').columns(['project', 'environment']).execute();
  },
};
