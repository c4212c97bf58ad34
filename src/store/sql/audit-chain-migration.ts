// 0008_audit_chain: the audit table becomes a hash chain. New columns (role, project,
// outcome, status, source, prev_hash, hash), a chain head row, and the rows written before
// chained in id order, renumbered 1…n (PostgreSQL sequences may have skipped numbers, and
// the chain reads a gap as a removal). `secret.get` entries take the current name `secret.read`.
import type { Kysely, Migration } from 'kysely';
import { z } from 'zod';
import { auditHash, genesisHash } from '../../audit/audit-chain.ts';
import { StoredDataError } from '../stored-json.ts';

interface MigrationDb {
  audit: { id: number; at: string; actor: string; role: string | null; action: string; target: string; project: string | null; outcome: string; status: number | null; source: string | null; prevHash: string; hash: string };
  auditHead: { id: number; lastId: number; lastHash: string };
}

const oldRow = z.object({ id: z.number().int(), at: z.string(), actor: z.string(), action: z.string(), target: z.string() });

export const auditChainMigration: Migration = {
  async up(untyped: Kysely<unknown>) {
    const db = untyped as unknown as Kysely<MigrationDb>;
    for (const [name, type] of [
      ['role', 'text'],
      ['project', 'text'],
      ['status', 'integer'],
      ['source', 'text'],
    ] as const) {
      await db.schema.alterTable('audit').addColumn(name, type).execute();
    }
    await db.schema.alterTable('audit').addColumn('outcome', 'text', (c) => c.notNull().defaultTo('ok')).execute();
    await db.schema.alterTable('audit').addColumn('prev_hash', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('audit').addColumn('hash', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.createIndex('audit_project').on('audit').columns(['project', 'id']).execute();
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('last_id', 'integer', (c) => c.notNull())
      .addColumn('last_hash', 'text', (c) => c.notNull())
      .execute();

    const rows = await db.selectFrom('audit').select(['id', 'at', 'actor', 'action', 'target']).orderBy('id').execute();
    let prevHash = genesisHash;
    let id = 0;
    for (const raw of rows) {
      const parsed = oldRow.safeParse(raw);
      if (!parsed.success) throw new StoredDataError(`audit entry ${String((raw as { id?: unknown }).id)}`, parsed.error.issues[0]?.message ?? 'invalid');
      const old = parsed.data;
      id++;
      const fields = { at: old.at, actor: old.actor, role: null, action: old.action === 'secret.get' ? 'secret.read' : old.action, target: old.target, project: null, outcome: 'ok', status: null, source: null };
      const hash = auditHash(fields, prevHash);
      // Ascending, so the new id (≤ the old one) is always free.
      await db.updateTable('audit').set({ ...fields, id, prevHash, hash }).where('id', '=', old.id).execute();
      prevHash = hash;
    }
    await db.insertInto('auditHead').values({ id: 1, lastId: id, lastHash: prevHash }).execute();
  },
};
