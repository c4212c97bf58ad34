// The audit trail: who (token name and role, from where) did what to which target, and how it
// ended. Entries are appended to a hash chain in the store (src/audit/audit-chain.ts); rows
// read back are checked with zod, and `verify` names the first entry that is not as written.
import { z } from 'zod';
import { verifyAuditChain, type AuditVerification, type ChainedAuditEntry } from '../../audit/audit-chain.ts';
import { StoredDataError } from '../../store/stored-json.ts';
import type { AuditRecord } from '../../store/records.ts';
import type { AuditFilter, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';

/** Who made a call: the token's name ('anonymous' without one), its role, the source address. */
export interface AuditCaller {
  actor: string;
  role: string | null;
  source: string | null;
}

export const AuditOutcome = { ok: 'ok', denied: 'denied', failed: 'failed' } as const;
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];

export interface AuditEvent {
  action: string;
  target: string;
  project: string | null;
  outcome: AuditOutcome;
  status: number | null;
}

const auditRecordSchema = z.object({
  id: z.number().int().positive(),
  at: z.string(),
  actor: z.string(),
  role: z.string().nullable(),
  action: z.string(),
  target: z.string(),
  project: z.string().nullable(),
  outcome: z.string(),
  status: z.number().int().nullable(),
  source: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});

/** A row as stored, checked; one that no longer has the shape of an entry cannot match its hash. */
function checked(row: AuditRecord): { entry: ChainedAuditEntry } | { invalid: string } {
  const parsed = auditRecordSchema.safeParse(row);
  return parsed.success ? { entry: parsed.data } : { invalid: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

export class AuditTrail {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  record(caller: AuditCaller, event: AuditEvent): Promise<AuditRecord> {
    return this.store.appendAudit({ at: this.clock.now().toISOString(), ...caller, ...event });
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const rows = await this.store.listAudit(filter);
    return rows.map((row) => {
      const c = checked(row);
      if ('invalid' in c) throw new StoredDataError(`audit entry ${row.id}`, `${c.invalid} (\`sluice audit --verify\` names the first entry changed)`);
      return c.entry;
    });
  }

  verify(): Promise<AuditVerification> {
    return verifyAuditChain({
      chain: async (afterId, limit) =>
        (await this.store.auditChain(afterId, limit)).map((row) => {
          const c = checked(row);
          // Still walked in order; the hash check then reports it as edited.
          return 'invalid' in c ? { ...row, hash: `invalid: ${c.invalid}` } : c.entry;
        }),
      head: () => this.store.auditHead(),
      idOfHash: (hash) => this.store.auditIdOfHash(hash),
    });
  }
}
