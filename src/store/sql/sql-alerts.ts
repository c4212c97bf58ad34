// Alert states and their history in SQL: one row per (project, environment, alert), replaced
// on every change together with the appended change row, in one transaction.
import type { Kysely, Selectable } from 'kysely';
import { alertChangeSchema, alertStateRecordSchema, type AlertChange, type AlertStateFilter, type AlertStateRecord } from '../../alerts/alert-records.ts';
import { parseStored } from '../stored-json.ts';
import type { AlertStateRow, Database } from './database.ts';

function fromRow(r: Selectable<AlertStateRow>): AlertStateRecord {
  const record = `alert ${r.project}/${r.environment}/${r.name}`;
  return alertStateRecordSchema.parse({
    project: r.project,
    environment: r.environment,
    name: r.name,
    state: r.state,
    since: r.since,
    value: r.value === null ? null : Number(r.value),
    threshold: Number(r.threshold),
    samples: Number(r.samples),
    rolledBackRelease: r.rolledBackRelease === null ? null : Number(r.rolledBackRelease),
    lastChange: r.lastChangeJson === null ? null : parseStored(alertChangeSchema, r.lastChangeJson, record),
  });
}

export async function listAlertStateRows(db: Kysely<Database>, filter: AlertStateFilter): Promise<AlertStateRecord[]> {
  let q = db.selectFrom('alertStates').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
  return (await q.orderBy('project').orderBy('environment').orderBy('name').execute()).map(fromRow);
}

export async function putAlertStateRow(db: Kysely<Database>, s: AlertStateRecord, change?: AlertChange): Promise<void> {
  const row: AlertStateRow = {
    project: s.project,
    environment: s.environment,
    name: s.name,
    state: s.state,
    since: s.since,
    value: s.value,
    threshold: s.threshold,
    samples: s.samples,
    rolledBackRelease: s.rolledBackRelease,
    lastChangeJson: s.lastChange === null ? null : JSON.stringify(s.lastChange),
  };
  const { project: _p, environment: _e, name: _n, ...update } = row;
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('alertStates').values(row).onConflict((oc) => oc.columns(['project', 'environment', 'name']).doUpdateSet(update)).execute();
    if (change) await tx.insertInto('alertChanges').values({ project: change.project, environment: change.environment, name: change.name, at: change.at, changeJson: JSON.stringify(change) }).execute();
  });
}

export async function listAlertChangeRows(db: Kysely<Database>, filter: AlertStateFilter & { name?: string; limit: number }): Promise<AlertChange[]> {
  let q = db.selectFrom('alertChanges').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => parseStored(alertChangeSchema, r.changeJson, `alert change ${String(r.id)}`));
}
