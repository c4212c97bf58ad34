// The audit trail's hash chain (pure): each entry holds the hash of the entry before it, and
// its own hash covers its fields and that previous hash. Editing, removing or reordering an
// entry breaks the chain at that entry; `verifyAuditChain` names the first one.
import { createHash } from 'node:crypto';

/** The fields of an entry that its hash covers (everything but its id and its own hash). */
export interface ChainedAuditFields {
  at: string;
  /** The token's name; 'anonymous' when the call carried none. */
  actor: string;
  role: string | null;
  /** Stable and readable: `run.approve`, `secret.read`, `project.add`. */
  action: string;
  target: string;
  /** The project the target belongs to, when it belongs to one. */
  project: string | null;
  /** ok | denied (401, 403, 429) | failed (another error) */
  outcome: string;
  /** The HTTP status of the call (null for entries made before calls were recorded). */
  status: number | null;
  /** The caller's address. */
  source: string | null;
}

export interface ChainedAuditEntry extends ChainedAuditFields {
  /** 1, 2, 3, … without gaps: given under the append lock. */
  id: number;
  prevHash: string;
  hash: string;
}

/** The previous hash of the first entry. */
export const genesisHash = '0'.repeat(64);

/** Bumped if the serialization ever changes, so an old chain can never verify under a new rule by accident. */
const serialization = 'sluice-audit-1';

/**
 * sha256 over a canonical serialization: a JSON array of the fields in a fixed order (JSON
 * escapes every string one way, so the same fields always give the same bytes).
 */
export function auditHash(e: ChainedAuditFields, prevHash: string): string {
  const canonical = JSON.stringify([serialization, e.at, e.actor, e.role, e.action, e.target, e.project, e.outcome, e.status, e.source, prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The id and hash of the newest entry, kept beside the chain (so removing the newest entries shows too). */
export interface AuditHead {
  lastId: number;
  lastHash: string;
}

export const AuditProblem = { edited: 'edited', removed: 'removed', reordered: 'reordered', inserted: 'inserted' } as const;
export type AuditProblem = (typeof AuditProblem)[keyof typeof AuditProblem];

export interface AuditBreak {
  /** The first entry that is not as it was written (for `removed`: the id of the first missing entry). */
  id: number;
  problem: AuditProblem;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries read and checked. */
  entries: number;
  head: AuditHead | null;
  firstBreak: AuditBreak | null;
}

export interface AuditChainSource {
  /** Entries with an id above `afterId`, in id order, at most `limit`. */
  chain(afterId: number, limit: number): Promise<ChainedAuditEntry[]>;
  head(): Promise<AuditHead | undefined>;
  /** The id of an entry whose hash is this (to tell a moved entry from a lost one). */
  idOfHash(hash: string): Promise<number | undefined>;
}

const batch = 1000;

/**
 * Walks the whole chain in id order. Ids are given one after another under the append lock,
 * so a gap is a removal; an entry whose previous hash names another entry that still exists
 * was moved; one whose previous hash names no entry follows an entry whose hash was rewritten.
 */
export async function verifyAuditChain(source: AuditChainSource): Promise<AuditVerification> {
  const head = (await source.head()) ?? null;
  let prev: ChainedAuditEntry | null = null;
  let entries = 0;
  const done = (firstBreak: AuditBreak | null): AuditVerification => ({ ok: firstBreak === null, entries, head, firstBreak });
  for (;;) {
    const rows = await source.chain(prev?.id ?? 0, batch);
    for (const e of rows) {
      entries++;
      if (auditHash(e, e.prevHash) !== e.hash) return done({ id: e.id, problem: 'edited', message: `entry ${e.id} was edited: its fields no longer match its hash` });
      const expectedId = (prev?.id ?? 0) + 1;
      if (e.id !== expectedId) {
        const span = e.id - 1 === expectedId ? `entry ${expectedId}` : `entries ${expectedId} to ${e.id - 1}`;
        return done({ id: expectedId, problem: 'removed', message: `${span} ${e.id - 1 === expectedId ? 'was' : 'were'} removed (the chain goes from ${prev ? `entry ${prev.id}` : 'its start'} to entry ${e.id})` });
      }
      const expectedPrev = prev?.hash ?? genesisHash;
      if (e.prevHash !== expectedPrev) {
        const holder = await source.idOfHash(e.prevHash);
        if (holder !== undefined) return done({ id: e.id, problem: 'reordered', message: `entry ${e.id} was moved: it follows entry ${holder}, not entry ${prev?.id ?? 'none'}` });
        if (!prev) return done({ id: e.id, problem: 'removed', message: `the entries before entry ${e.id} were removed (it does not start the chain)` });
        return done({ id: prev.id, problem: 'edited', message: `entry ${prev.id} was edited: its hash was rewritten, and entry ${e.id} still holds the old one` });
      }
      prev = e;
    }
    if (rows.length < batch) break;
  }
  const lastId = prev?.id ?? 0;
  if (head && lastId < head.lastId) {
    const span = lastId + 1 === head.lastId ? `entry ${head.lastId} was` : `entries ${lastId + 1} to ${head.lastId} were`;
    return done({ id: lastId + 1, problem: 'removed', message: `${span} removed (the newest entry was ${head.lastId})` });
  }
  if (prev && head && lastId > head.lastId) return done({ id: head.lastId + 1, problem: 'inserted', message: `entry ${head.lastId + 1} was added outside Sluice (the newest entry written was ${head.lastId})` });
  if (prev && head && prev.hash !== head.lastHash) return done({ id: prev.id, problem: 'edited', message: `entry ${prev.id} was edited: its hash was rewritten` });
  if (prev && !head) return done({ id: 1, problem: 'removed', message: 'the chain head (the record of the newest entry) was removed' });
  return done(null);
}
