// Two levels of keys: random data keys encrypt secret values; the master key only wraps the data
// keys. Rotating the master re-wraps a handful of data keys, never the values, so it needs no
// downtime. Data key ids are key fingerprints, so a sealed value names the key that opens it.
import { keyFingerprint, newKey, open, parseSealed, seal } from './envelope.ts';
import { SecretKeyError, SecretKeyProblem } from './secret-key-error.ts';

export { SecretKeyError, SecretKeyProblem } from './secret-key-error.ts';
export { loadMasterKey, writeKeyFile, parseKeyText } from './master-key-file.ts';
export type { KeyringFiles, MasterKeySource } from './master-key-file.ts';

export interface StoredDataKey {
  id: string;
  /** JSON of a Sealed value: the data key sealed under the master key. */
  wrapped: string;
  createdAt: string;
}

/** Persistence of wrapped data keys (the caller's database table). */
export interface DataKeyStore {
  listDataKeys(): Promise<StoredDataKey[]>;
  saveDataKey(k: StoredDataKey): Promise<void>;
  replaceWrapped(id: string, wrapped: string): Promise<void>;
}

export interface KeyringOptions {
  now?: () => Date;
  /**
   * Former master keys. At init, data keys still wrapped under one of them are re-wrapped under
   * the current master: this finishes a rotation that was interrupted, or lets an operator rotate
   * by restarting with a new SLUICE_MASTER_KEY and the old one given here.
   */
  previousMasters?: Buffer[];
}

// The AAD of a wrapped data key binds it to its id: a wrapped key cannot be moved to another row.
const wrapAad = (id: string): string => `sluice/data-key/${id}`;

// Any format Date.parse understands (ISO, SQLite's "YYYY-MM-DD HH:MM:SS"); unparsable sorts first.
function timeOf(createdAt: string): number {
  const t = Date.parse(createdAt);
  return Number.isNaN(t) ? 0 : t;
}

export class Keyring {
  #master: Buffer;
  readonly #store: DataKeyStore;
  readonly #now: () => Date;
  readonly #previousMasters: Buffer[];
  /** Oldest first; the last one is current. */
  #keys: Array<{ id: string; key: Buffer; createdAt: string }> = [];

  constructor(master: Buffer, store: DataKeyStore, opts: KeyringOptions = {}) {
    if (master.length !== 32) throw new SecretKeyError(SecretKeyProblem.malformed, `the master key must be 32 bytes, not ${master.length}`);
    this.#master = master;
    this.#store = store;
    this.#now = opts.now ?? (() => new Date());
    this.#previousMasters = opts.previousMasters ?? [];
  }

  /** The fingerprint of the master key in use (safe to print). */
  get masterFingerprint(): string {
    return keyFingerprint(this.#master);
  }

  /** Opens every stored data key (fail closed at start); creates the first one if there is none. */
  async init(): Promise<void> {
    const stored = await this.#store.listDataKeys();
    const masterId = keyFingerprint(this.#master);
    const keys: Array<{ id: string; key: Buffer; createdAt: string }> = [];
    for (const row of stored) {
      const sealed = parseSealed(row.wrapped);
      let key: Buffer;
      if (sealed.keyId === masterId) {
        key = open(this.#master, sealed, wrapAad(row.id));
      } else {
        const previous = this.#previousMasters.find((m) => keyFingerprint(m) === sealed.keyId);
        if (previous === undefined) {
          throw new SecretKeyError(SecretKeyProblem.wrongKey, `the master key does not open this data directory's data keys (expected key ${sealed.keyId}, got ${masterId})`, {
            details: { expected: sealed.keyId, got: masterId, dataKeyId: row.id },
          });
        }
        key = open(previous, sealed, wrapAad(row.id));
        await this.#store.replaceWrapped(row.id, JSON.stringify(seal(this.#master, masterId, key, wrapAad(row.id))));
      }
      if (keyFingerprint(key) !== row.id) throw new SecretKeyError(SecretKeyProblem.tampered, `data key ${row.id} does not match its id`);
      keys.push({ id: row.id, key, createdAt: row.createdAt });
    }
    // Stable sort: rows with equal timestamps keep the store's order.
    keys.sort((a, b) => timeOf(a.createdAt) - timeOf(b.createdAt));
    this.#keys = keys;
    if (keys.length === 0) await this.rotateDataKey();
  }

  current(): { id: string; key: Buffer } {
    const last = this.#keys.at(-1);
    if (last === undefined) throw new SecretKeyError(SecretKeyProblem.unknownKey, 'the keyring has no data key: call init() first');
    return { id: last.id, key: last.key };
  }

  byId(id: string): Buffer {
    const found = this.#keys.find((k) => k.id === id);
    if (found === undefined) throw new SecretKeyError(SecretKeyProblem.unknownKey, `unknown data key ${id}: it is not in this data directory`, { details: { keyId: id } });
    return found.key;
  }

  /** Data key ids, oldest first. */
  dataKeyIds(): string[] {
    return this.#keys.map((k) => k.id);
  }

  /**
   * Re-wraps every data key under `newMaster`; values are untouched. Writes one row at a time: if
   * it stops half-way, start again with the new master and the old one in `previousMasters`
   * (or run it inside a store transaction).
   */
  async rotateMaster(newMaster: Buffer): Promise<void> {
    if (newMaster.length !== 32) throw new SecretKeyError(SecretKeyProblem.malformed, `the new master key must be 32 bytes, not ${newMaster.length}`);
    const newId = keyFingerprint(newMaster);
    const rewrapped = this.#keys.map((k) => ({ id: k.id, wrapped: JSON.stringify(seal(newMaster, newId, k.key, wrapAad(k.id))) }));
    for (const { id, wrapped } of rewrapped) await this.#store.replaceWrapped(id, wrapped);
    this.#previousMasters.push(this.#master);
    this.#master = newMaster;
  }

  /** Adds a data key for new values; values under older keys stay readable. Returns its id. */
  async rotateDataKey(): Promise<string> {
    const key = newKey();
    const id = keyFingerprint(key);
    // Strictly increasing timestamps keep "newest" unambiguous when two keys share a millisecond.
    let at = this.#now().getTime();
    const last = this.#keys.at(-1);
    if (last !== undefined) at = Math.max(at, timeOf(last.createdAt) + 1);
    const createdAt = new Date(at).toISOString();
    const wrapped = JSON.stringify(seal(this.#master, keyFingerprint(this.#master), key, wrapAad(id)));
    await this.#store.saveDataKey({ id, wrapped, createdAt });
    this.#keys.push({ id, key, createdAt });
    return id;
  }

  /** JSON of a Sealed value under the current data key, bound to `aad` (e.g. `group/key/version`). */
  encrypt(plaintext: string, aad: string): string {
    const { id, key } = this.current();
    return JSON.stringify(seal(key, id, Buffer.from(plaintext, 'utf8'), aad));
  }

  /** Fails closed with SecretKeyError; never returns anything but the authenticated plaintext. */
  decrypt(sealedJson: string, aad: string): string {
    const sealed = parseSealed(sealedJson);
    const bytes = open(this.byId(sealed.keyId), sealed, aad);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      throw new SecretKeyError(SecretKeyProblem.malformed, 'a decrypted secret is not valid UTF-8', { cause: error });
    }
  }
}
