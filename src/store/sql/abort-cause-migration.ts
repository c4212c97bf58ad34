// 0018: who asked a rollout to end early, as data (`alert:NAME`, `token:NAME`, `run`, `server`)
// beside the human reason, instead of being read back out of the reason's words. Requests
// stored before this migration get the cause their words gave (the one place that still reads them).
import { sql, type Kysely, type Migration } from 'kysely';

function causeOf(reason: string): string {
  const alert = /^alert (\S+):/.exec(reason);
  if (alert) return `alert:${alert[1]!}`;
  const person = /^aborted by (.+)$/.exec(reason);
  if (person) return `token:${person[1]!}`;
  if (/^run #\d+ failed\b/.test(reason)) return 'run';
  return 'server';
}

export const abortCauseMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('rollouts').addColumn('abort_cause', 'text').execute();
    const { rows } = await sql<{ id: string; abort_requested: string }>`select id, abort_requested from rollouts where abort_requested is not null`.execute(db);
    for (const r of rows) await sql`update rollouts set abort_cause = ${causeOf(r.abort_requested)} where id = ${r.id}`.execute(db);
  },
};
