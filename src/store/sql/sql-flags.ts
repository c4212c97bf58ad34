// Flag state and history in SQL: one row per environment (the state as JSON, its version beside
// it for compare-and-set), replaced together with the appended change rows in one transaction.
import type { Kysely } from 'kysely';
import { flagChangeSchema, flagEnvironmentStateSchema, type FlagChange, type FlagChangeFilter, type FlagEnvironmentState } from '../../flags/flag-records.ts';
import { parseStored } from '../stored-json.ts';
import type { Database, FlagStateRow } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

function fromRow(r: FlagStateRow): FlagEnvironmentState {
  return parseStored(flagEnvironmentStateSchema, r.stateJson, `flags of ${r.project}/${r.environment}`);
}

export async function getFlagStateRow(db: Kysely<Database>, project: string, environment: string): Promise<FlagEnvironmentState | undefined> {
  const row = await db.selectFrom('flagStates').selectAll().where('project', '=', project).where('environment', '=', environment).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function listFlagStateRows(db: Kysely<Database>): Promise<FlagEnvironmentState[]> {
  return (await db.selectFrom('flagStates').selectAll().orderBy('project').orderBy('environment').execute()).map(fromRow);
}

export async function putFlagStateRow(db: Kysely<Database>, state: FlagEnvironmentState, expectedVersion: number | null, changes: FlagChange[]): Promise<boolean> {
  const row: FlagStateRow = { project: state.project, environment: state.environment, version: state.version, stateJson: JSON.stringify(state), updatedAt: state.updatedAt };
  try {
    return await db.transaction().execute(async (tx) => {
      if (expectedVersion === null) {
        await tx.insertInto('flagStates').values(row).execute();
      } else {
        const updated = await tx
          .updateTable('flagStates')
          .set({ version: row.version, stateJson: row.stateJson, updatedAt: row.updatedAt })
          .where('project', '=', state.project)
          .where('environment', '=', state.environment)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
      }
      for (const c of changes) {
        await tx.insertInto('flagChanges').values({ project: c.project, environment: c.environment, key: c.key, version: c.version, at: c.at, changeJson: JSON.stringify(c) }).execute();
      }
      return true;
    });
  } catch (error) {
    // Two first writes of one environment: the second lost the race.
    if (expectedVersion === null && isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function listFlagChangeRows(db: Kysely<Database>, filter: FlagChangeFilter): Promise<FlagChange[]> {
  let q = db.selectFrom('flagChanges').selectAll().where('project', '=', filter.project).where('environment', '=', filter.environment);
  if (filter.key !== undefined) q = q.where('key', '=', filter.key);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => parseStored(flagChangeSchema, r.changeJson, `flag change ${String(r.id)}`));
}

export async function deleteFlagStateRows(db: Kysely<Database>, project: string, environment: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('flagChanges').where('project', '=', project).where('environment', '=', environment).execute();
    await tx.deleteFrom('flagStates').where('project', '=', project).where('environment', '=', environment).execute();
  });
}
