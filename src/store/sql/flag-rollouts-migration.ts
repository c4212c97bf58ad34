// 0019: flag rollouts (src/flags/flag-rollout-records.ts). `active_key` is `project/env/flag`
// while a rollout is progressing or paused and null after: its unique index lets only one
// rollout of a flag be active, on every dialect (NULLs never collide), without a race.
import type { Kysely, Migration } from 'kysely';

export const flagRolloutsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('flag_rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('flag', 'text', (c) => c.notNull())
      .addColumn('variant', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('plan_json', 'text', (c) => c.notNull())
      .addColumn('step_started_at', 'text')
      .addColumn('window_json', 'text')
      .addColumn('looks', 'integer', (c) => c.notNull())
      .addColumn('decisions_json', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('promote_requested', 'text')
      .addColumn('abort_requested', 'text')
      .addColumn('abort_cause', 'text')
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('active_key', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('flag_rollouts_active').on('flag_rollouts').column('active_key').unique().execute();
    await db.schema.createIndex('flag_rollouts_by_flag').on('flag_rollouts').columns(['project', 'environment', 'flag', 'created_at']).execute();
  },
};
