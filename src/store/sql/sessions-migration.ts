// 0020: dashboard sessions (src/auth/session-service.ts). A row is found by the SHA-256 of the
// cookie value; the value itself is never stored, so a copy of the store signs nobody in.
import type { Kysely, Migration } from 'kysely';

export const sessionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('projects', 'text')
      .addColumn('environments', 'text')
      .addColumn('token_id', 'text')
      .addColumn('issuer', 'text')
      .addColumn('subject', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_expires').on('sessions').columns(['expires_at']).execute();
  },
};
