// 0016: feature flags per environment (src/flags/flag-records.ts): one row of state (definitions
// of the live release, archived flags, overrides, version) and the changes of each flag.
import type { Kysely, Migration } from 'kysely';

/** `serialType`: the dialect's auto-increment column type (DialectCapabilities.serialType). */
export function flagsMigration(serialType: 'integer' | 'bigserial'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('flag_states')
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('state_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('flag_states_pk', ['project', 'environment'])
        .execute();
      await db.schema
        .createTable('flag_changes')
        .addColumn('id', serialType, (c) => (serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('change_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('flag_changes_by_flag').on('flag_changes').columns(['project', 'environment', 'key', 'id']).execute();
    },
  };
}
