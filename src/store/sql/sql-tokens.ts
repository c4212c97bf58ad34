// API tokens in SQL: the writes, whose outcomes (a taken name, a token already revoked) the
// store reports in its own terms.
import type { Kysely } from 'kysely';
import { ConflictError } from '../../errors.ts';
import type { TokenRecord } from '../records.ts';
import type { Database } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

export async function insertToken(db: Kysely<Database>, token: TokenRecord): Promise<void> {
  try {
    await db.insertInto('tokens').values(token).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`a token named ${token.name} exists (or existed: names of revoked tokens stay taken, so the audit trail stays unambiguous)`);
    throw error;
  }
}

/** Marks a live token revoked; false when no live token has that name. */
export async function revokeTokenNamed(db: Kysely<Database>, name: string, at: string): Promise<boolean> {
  const r = await db.updateTable('tokens').set({ revokedAt: at }).where('name', '=', name).where('revokedAt', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
