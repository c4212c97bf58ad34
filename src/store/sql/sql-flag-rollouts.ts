// Flag rollouts in SQL: one row each; `activeKey` (unique) keeps one active rollout per flag.
import type { Kysely } from 'kysely';
import { oneOf } from '../../errors.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES, FLAG_ROLLOUT_PHASES, FLAG_ROLLOUT_STATES, type FlagRollout, type FlagRolloutFilter } from '../../flags/flag-rollout-records.ts';
import type { Database, FlagRolloutRow } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

const activeKeyOf = (r: Pick<FlagRollout, 'project' | 'environment' | 'flag' | 'state'>): string | null =>
  ACTIVE_FLAG_ROLLOUT_STATES.includes(r.state) ? `${r.project}/${r.environment}/${r.flag}` : null;

function fromRow(row: FlagRolloutRow): FlagRollout {
  const { activeKey: _activeKey, ...r } = row;
  const entity = `flag rollout ${r.id} (${r.project}/${r.environment} ${r.flag})`;
  return {
    ...r,
    state: oneOf(entity, 'state', r.state, FLAG_ROLLOUT_STATES),
    phase: oneOf(entity, 'phase', r.phase, FLAG_ROLLOUT_PHASES),
    promoteRequested: r.promoteRequested === null ? null : oneOf(entity, 'promote request', r.promoteRequested, ['next', 'full'] as const),
  };
}

export async function createFlagRolloutRow(db: Kysely<Database>, rollout: FlagRollout): Promise<boolean> {
  try {
    await db.insertInto('flagRollouts').values({ ...rollout, activeKey: activeKeyOf(rollout) }).execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function getFlagRolloutRow(db: Kysely<Database>, id: string): Promise<FlagRollout | undefined> {
  const row = await db.selectFrom('flagRollouts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && fromRow(row);
}

export async function latestFlagRolloutRow(db: Kysely<Database>, project: string, environment: string, flag: string): Promise<FlagRollout | undefined> {
  const row = await db
    .selectFrom('flagRollouts')
    .selectAll()
    .where('project', '=', project)
    .where('environment', '=', environment)
    .where('flag', '=', flag)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && fromRow(row);
}

export async function listFlagRolloutRows(db: Kysely<Database>, filter: FlagRolloutFilter): Promise<FlagRollout[]> {
  let q = db.selectFrom('flagRollouts').selectAll();
  if (filter.states) q = q.where('state', 'in', [...filter.states]);
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
  return (await q.orderBy('createdAt').orderBy('id').execute()).map(fromRow);
}

export async function updateFlagRolloutRow(db: Kysely<Database>, id: string, patch: Partial<FlagRollout>): Promise<void> {
  // A rollout that ends frees its flag for the next one.
  const ends = patch.state !== undefined && !ACTIVE_FLAG_ROLLOUT_STATES.includes(patch.state);
  await db.updateTable('flagRollouts').set({ ...patch, ...(ends ? { activeKey: null } : {}) }).where('id', '=', id).execute();
}
