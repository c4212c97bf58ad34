import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyFingerprint, newKey, open, parseSealed } from '../../src/secrets/envelope.ts';
import { Keyring, SecretKeyError } from '../../src/secrets/keyring.ts';
import type { DataKeyStore, StoredDataKey } from '../../src/secrets/keyring.ts';

/** The keyring's persistence, in memory, as the database table would hold it. */
class MemoryStore implements DataKeyStore {
  rows: StoredDataKey[] = [];
  async listDataKeys(): Promise<StoredDataKey[]> {
    return this.rows.map((r) => ({ ...r }));
  }
  async saveDataKey(k: StoredDataKey): Promise<void> {
    this.rows.push({ ...k });
  }
  async replaceWrapped(id: string, wrapped: string): Promise<void> {
    const row = this.rows.find((r) => r.id === id);
    assert.ok(row, `no data key ${id}`);
    row.wrapped = wrapped;
  }
}

function assertKeyError(error: unknown, problem: string, message?: RegExp): true {
  assert.ok(error instanceof SecretKeyError, `expected SecretKeyError, got ${String(error)}`);
  assert.equal(error.problem, problem);
  assert.equal(error.code, 'unavailable');
  if (message !== undefined) assert.match(error.message, message);
  return true;
}

void test('init creates the first data key, stored wrapped; values round-trip', async () => {
  const master = newKey();
  const store = new MemoryStore();
  const keyring = new Keyring(master, store);
  await keyring.init();
  assert.equal(store.rows.length, 1);
  const row = store.rows[0]!;
  assert.equal(row.id, keyring.current().id);
  assert.equal(parseSealed(row.wrapped).keyId, keyFingerprint(master));
  assert.ok(!row.wrapped.includes(keyring.current().key.toString('base64')));
  const sealed = keyring.encrypt('hunter2-value', 'shared/PASSWORD/1');
  assert.ok(!sealed.includes('hunter2'));
  assert.equal(keyring.decrypt(sealed, 'shared/PASSWORD/1'), 'hunter2-value');
  assert.throws(() => keyring.decrypt(sealed, 'shared/PASSWORD/2'), (e) => assertKeyError(e, 'tampered'));
  assert.equal(keyring.decrypt(keyring.encrypt('', 'x'), 'x'), '');
  assert.equal(keyring.decrypt(keyring.encrypt('ünïcødé ✓', 'x'), 'x'), 'ünïcødé ✓');

  // A second start with the same master reads the same key and does not add one.
  const restarted = new Keyring(master, store);
  await restarted.init();
  assert.equal(store.rows.length, 1);
  assert.equal(restarted.decrypt(sealed, 'shared/PASSWORD/1'), 'hunter2-value');
});

void test('a wrong master key fails closed at init, naming both fingerprints', async () => {
  const master = newKey();
  const store = new MemoryStore();
  await new Keyring(master, store).init();
  const wrong = newKey();
  await assert.rejects(new Keyring(wrong, store).init(), (e) =>
    assertKeyError(e, 'wrong_key', new RegExp(`the master key does not open this data directory's data keys \\(expected key ${keyFingerprint(master)}, got ${keyFingerprint(wrong)}\\)`)),
  );
  // A wrapped key altered in the store is refused too.
  const wrapped = parseSealed(store.rows[0]!.wrapped);
  store.rows[0]!.wrapped = JSON.stringify({ ...wrapped, data: Buffer.from(wrapped.data, 'base64').fill(7).toString('base64') });
  await assert.rejects(new Keyring(master, store).init(), (e) => assertKeyError(e, 'tampered'));
});

void test('a wrapped data key moved to another row does not open', async () => {
  const master = newKey();
  const store = new MemoryStore();
  const keyring = new Keyring(master, store);
  await keyring.init();
  await keyring.rotateDataKey();
  const [a, b] = store.rows;
  [a!.wrapped, b!.wrapped] = [b!.wrapped, a!.wrapped];
  await assert.rejects(new Keyring(master, store).init(), (e) => assertKeyError(e, 'tampered'));
});

void test('rotateMaster re-wraps every data key: the old master no longer opens them, the new one does', async () => {
  const oldMaster = newKey();
  const store = new MemoryStore();
  const keyring = new Keyring(oldMaster, store);
  await keyring.init();
  await keyring.rotateDataKey();
  const values = Array.from({ length: 20 }, (_, i) => ({ aad: `g/K${i}/1`, value: `value-${i}-${Math.random()}` }));
  const sealed = values.map((v) => keyring.encrypt(v.value, v.aad));
  const before = store.rows.map((r) => r.wrapped);

  const newMaster = newKey();
  await keyring.rotateMaster(newMaster);
  assert.equal(keyring.masterFingerprint, keyFingerprint(newMaster));
  assert.equal(store.rows.length, 2);
  for (const [i, row] of store.rows.entries()) {
    assert.notEqual(row.wrapped, before[i]);
    const wrapped = parseSealed(row.wrapped);
    assert.equal(wrapped.keyId, keyFingerprint(newMaster));
    assert.throws(() => open(oldMaster, wrapped, `sluice/data-key/${row.id}`), (e) => assertKeyError(e, 'wrong_key'));
  }
  // The running keyring and a restarted one with the new master read every value; the old master is refused.
  const restarted = new Keyring(newMaster, store);
  await restarted.init();
  for (const [i, v] of values.entries()) {
    assert.equal(keyring.decrypt(sealed[i]!, v.aad), v.value);
    assert.equal(restarted.decrypt(sealed[i]!, v.aad), v.value);
  }
  await assert.rejects(new Keyring(oldMaster, store).init(), (e) => assertKeyError(e, 'wrong_key', new RegExp(`expected key ${keyFingerprint(newMaster)}`)));
});

void test('an interrupted master rotation is finished at the next start given the previous master', async () => {
  const oldMaster = newKey();
  const store = new MemoryStore();
  const keyring = new Keyring(oldMaster, store);
  await keyring.init();
  await keyring.rotateDataKey();
  await keyring.rotateDataKey();
  const sealed = keyring.encrypt('still-readable', 'g/K/1');
  const newMaster = newKey();
  // The store fails after the first row was re-wrapped.
  const failing: DataKeyStore = {
    listDataKeys: () => store.listDataKeys(),
    saveDataKey: (k) => store.saveDataKey(k),
    replaceWrapped: async (id, wrapped) => {
      if (store.rows.some((r) => parseSealed(r.wrapped).keyId === keyFingerprint(newMaster))) throw new Error('disk full');
      await store.replaceWrapped(id, wrapped);
    },
  };
  const interrupted = new Keyring(oldMaster, failing);
  await interrupted.init();
  await assert.rejects(interrupted.rotateMaster(newMaster), /disk full/);
  const wrappers = store.rows.map((r) => parseSealed(r.wrapped).keyId);
  assert.deepEqual(new Set(wrappers), new Set([keyFingerprint(oldMaster), keyFingerprint(newMaster)])); // half done
  await assert.rejects(new Keyring(newMaster, store).init(), (e) => assertKeyError(e, 'wrong_key'));
  const resumed = new Keyring(newMaster, store, { previousMasters: [oldMaster] });
  await resumed.init();
  assert.ok(store.rows.every((r) => parseSealed(r.wrapped).keyId === keyFingerprint(newMaster)));
  assert.equal(resumed.decrypt(sealed, 'g/K/1'), 'still-readable');
});

void test('rotateDataKey: new values use the new key, old values stay readable, across restarts', async () => {
  const master = newKey();
  const store = new MemoryStore();
  // A frozen clock: keys created in the same millisecond must still have a clear order.
  const now = () => new Date('2025-01-01T00:00:00.000Z');
  const keyring = new Keyring(master, store, { now });
  await keyring.init();
  const first = keyring.current().id;
  const oldValue = keyring.encrypt('old-value', 'g/OLD/1');
  const second = await keyring.rotateDataKey();
  const third = await keyring.rotateDataKey();
  assert.notEqual(second, first);
  assert.equal(keyring.current().id, third);
  assert.deepEqual(keyring.dataKeyIds(), [first, second, third]);
  const newValue = keyring.encrypt('new-value', 'g/NEW/1');
  assert.equal(parseSealed(newValue).keyId, third);
  assert.equal(parseSealed(oldValue).keyId, first);
  assert.equal(keyring.decrypt(oldValue, 'g/OLD/1'), 'old-value');

  store.rows.reverse(); // whatever order the database answers in
  const restarted = new Keyring(master, store, { now });
  await restarted.init();
  assert.equal(restarted.current().id, third);
  assert.equal(restarted.decrypt(oldValue, 'g/OLD/1'), 'old-value');
  assert.equal(restarted.decrypt(newValue, 'g/NEW/1'), 'new-value');
});

void test('unknown data keys and broken ciphertexts fail closed', async () => {
  const keyring = new Keyring(newKey(), new MemoryStore());
  assert.throws(() => keyring.current(), (e) => assertKeyError(e, 'unknown_key'));
  await keyring.init();
  const other = new Keyring(newKey(), new MemoryStore());
  await other.init();
  const foreign = other.encrypt('foreign', 'a');
  assert.throws(() => keyring.decrypt(foreign, 'a'), (e) => assertKeyError(e, 'unknown_key', new RegExp(other.current().id)));
  assert.throws(() => keyring.byId('0123456789abcdef'), (e) => assertKeyError(e, 'unknown_key'));
  assert.throws(() => keyring.decrypt('{"v":1,"keyId":"x"}', 'a'), (e) => assertKeyError(e, 'malformed'));
  assert.throws(() => keyring.decrypt('plaintext-password', 'a'), (e) => assertKeyError(e, 'malformed'));
  assert.throws(() => new Keyring(Buffer.alloc(31), new MemoryStore()), SecretKeyError);
});
