// The audit hash chain on its own: a chain built entry by entry verifies; each kind of
// tampering (edit, removal, reordering, a rewritten hash, a removed tail, an added entry) is
// found at the first entry it touches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditHash, genesisHash, verifyAuditChain, type AuditHead, type ChainedAuditEntry, type ChainedAuditFields } from '../../src/audit/audit-chain.ts';

function fields(i: number): ChainedAuditFields {
  return { at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), actor: `token-${i % 3}`, role: 'admin', action: 'run.approve', target: `web#${i}`, project: 'web', outcome: 'ok', status: 200, source: '127.0.0.1' };
}

function chainOf(n: number): { rows: ChainedAuditEntry[]; head: AuditHead } {
  const rows: ChainedAuditEntry[] = [];
  let prevHash = genesisHash;
  for (let id = 1; id <= n; id++) {
    const f = fields(id);
    const hash = auditHash(f, prevHash);
    rows.push({ ...f, id, prevHash, hash });
    prevHash = hash;
  }
  return { rows, head: { lastId: n, lastHash: prevHash } };
}

/** Verifies rows as a store would serve them: ordered by id, in batches of 1000. */
function verify(rows: ChainedAuditEntry[], head: AuditHead | undefined) {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  return verifyAuditChain({
    chain: async (afterId, limit) => sorted.filter((r) => r.id > afterId).slice(0, limit),
    head: async () => head,
    idOfHash: async (hash) => sorted.find((r) => r.hash === hash)?.id,
  });
}

void test('an untouched chain verifies (across batches), and so does an empty one', async () => {
  const { rows, head } = chainOf(2500);
  const v = await verify(rows, head);
  assert.deepEqual({ ok: v.ok, entries: v.entries, firstBreak: v.firstBreak }, { ok: true, entries: 2500, firstBreak: null });
  assert.equal((await verify([], undefined)).ok, true);
  assert.equal((await verify([], { lastId: 0, lastHash: genesisHash })).ok, true);
});

void test('the hash covers every field and the previous hash', () => {
  const f = fields(1);
  const base = auditHash(f, genesisHash);
  for (const [k, v] of Object.entries({ at: 'x', actor: 'x', role: null, action: 'x', target: 'x', project: null, outcome: 'x', status: 500, source: null })) {
    assert.notEqual(auditHash({ ...f, [k]: v }, genesisHash), base, k);
  }
  assert.notEqual(auditHash(f, 'f'.repeat(64)), base);
  // Canonical: a field boundary cannot move (JSON array, not concatenation).
  assert.notEqual(auditHash({ ...f, actor: 'ab', role: 'c' }, genesisHash), auditHash({ ...f, actor: 'a', role: 'bc' }, genesisHash));
});

void test('an edited field is named at its entry', async () => {
  const { rows, head } = chainOf(10);
  rows[4] = { ...rows[4]!, actor: 'someone-else' };
  const v = await verify(rows, head);
  assert.equal(v.ok, false);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [5, 'edited']);
});

void test('an edit whose hash was recomputed is still named: the next entry holds the old hash', async () => {
  const { rows, head } = chainOf(10);
  const e = { ...rows[4]!, outcome: 'denied' };
  rows[4] = { ...e, hash: auditHash(e, e.prevHash) };
  const v = await verify(rows, head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [5, 'edited']);
});

void test('a removed entry is named by its id, in the middle, at the start and at the end', async () => {
  const mid = chainOf(10);
  let v = await verify(mid.rows.filter((r) => r.id !== 6), mid.head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [6, 'removed']);
  v = await verify(mid.rows.filter((r) => r.id !== 1), mid.head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [1, 'removed']);
  v = await verify(mid.rows.filter((r) => r.id < 9), mid.head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [9, 'removed']);
  assert.match(v.firstBreak!.message, /entries 9 to 10 were removed/);
});

void test('a removal hidden by renumbering is still found', async () => {
  const { rows, head } = chainOf(10);
  const renumbered = rows.filter((r) => r.id !== 4).map((r, i) => ({ ...r, id: i + 1 }));
  const v = await verify(renumbered, head);
  assert.equal(v.ok, false);
  assert.equal(v.firstBreak?.id, 3);
});

void test('two swapped entries are named as reordered at the first of them', async () => {
  const { rows, head } = chainOf(10);
  const a = rows[6]!;
  const b = rows[7]!;
  rows[6] = { ...b, id: 7 };
  rows[7] = { ...a, id: 8 };
  const v = await verify(rows, head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [7, 'reordered']);
});

void test('an entry added behind the head, and a head that was removed, are found', async () => {
  const { rows, head } = chainOf(5);
  const f = fields(6);
  const extra = { ...f, id: 6, prevHash: head.lastHash, hash: auditHash(f, head.lastHash) };
  let v = await verify([...rows, extra], head);
  assert.deepEqual([v.firstBreak?.id, v.firstBreak?.problem], [6, 'inserted']);
  v = await verify(rows, undefined);
  assert.equal(v.ok, false);
});
