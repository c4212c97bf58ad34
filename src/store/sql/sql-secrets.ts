// Secrets and their grants in SQL: the reads that pick versions and groups, and which project may
// name which secret group.
import type { Kysely } from 'kysely';
import type { SecretGrant, SecretRecord, SecretVersionRecord } from '../records.ts';
import type { Database } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

/** False when the grant existed already. */
export async function insertSecretGrant(db: Kysely<Database>, grant: SecretGrant): Promise<boolean> {
  try {
    await db.insertInto('secretGrants').values(grant).execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** False when there was no such grant. */
export async function deleteSecretGrant(db: Kysely<Database>, group: string, project: string): Promise<boolean> {
  const r = await db.deleteFrom('secretGrants').where('group', '=', group).where('project', '=', project).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function listSecretGrantRows(db: Kysely<Database>, filter: { project?: string; group?: string }): Promise<SecretGrant[]> {
  let q = db.selectFrom('secretGrants').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.group !== undefined) q = q.where('group', '=', filter.group);
  return q.orderBy('group').orderBy('project').execute();
}

/** The newest version of each key of a group (deleted ones included: the caller tells them apart). */
export async function latestSecretRows(db: Kysely<Database>, group: string): Promise<SecretRecord[]> {
  const rows = await db.selectFrom('secrets').selectAll().where('group', '=', group).orderBy('key').orderBy('version', 'desc').execute();
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.key) ? false : (seen.add(r.key), true)));
}

/** A key's versions, newest first; the sealed column is never read. */
export function secretVersionRows(db: Kysely<Database>, group: string, key: string): Promise<SecretVersionRecord[]> {
  return db.selectFrom('secrets').select(['group', 'key', 'version', 'deleted', 'createdBy', 'createdAt']).where('group', '=', group).where('key', '=', key).orderBy('version', 'desc').execute();
}

export async function secretGroupNames(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('secrets').select('group').distinct().orderBy('group').execute();
  return rows.map((r) => r.group);
}
