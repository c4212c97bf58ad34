// 0011_certificates: TLS certificates (ACME and provided) and the ACME account per CA. Keys are
// sealed by the server's keyring before they reach these tables.
import type { Kysely, Migration } from 'kysely';

export const certificatesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('certificates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domains_json', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('certificate_pem', 'text')
      .addColumn('sealed_key', 'text')
      .addColumn('not_after', 'text')
      .addColumn('issuer', 'text')
      .addColumn('last_error', 'text')
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text')
      .addColumn('order_url', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('acme_accounts')
      .addColumn('directory_url', 'text', (c) => c.primaryKey())
      .addColumn('account_url', 'text', (c) => c.notNull())
      .addColumn('sealed_key', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
