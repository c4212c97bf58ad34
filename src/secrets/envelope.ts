// Envelope encryption with AES-256-GCM. The key id and the caller's AAD (e.g. `group/key/version`)
// are both authenticated, so a ciphertext copied to another row, or relabelled with another key
// id, fails to open instead of decrypting into the wrong place.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretKeyError, SecretKeyProblem } from './secret-key-error.ts';

/** JSON-safe sealed value. iv, tag and data are standard base64. */
export interface Sealed {
  v: 1;
  keyId: string;
  iv: string;
  tag: string;
  data: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** First 16 hex digits of sha256(key): identifies a key without revealing it. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function seal(key: Buffer, keyId: string, plaintext: Buffer, aad?: string): Sealed {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, aad));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { v: 1, keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/**
 * Opens a sealed value or throws SecretKeyError: `wrong_key` when the key's fingerprint differs
 * from a fingerprint-style keyId, `tampered` when it matches (or keyId is not a fingerprint)
 * but authentication fails, `malformed` for a broken envelope. Never returns unauthenticated bytes.
 */
export function open(key: Buffer, sealed: Sealed, aad?: string): Buffer {
  checkKey(key);
  const { iv, tag, data } = parseParts(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(sealed.keyId, aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (error) {
    const fingerprint = keyFingerprint(key);
    if (/^[0-9a-f]{16}$/.test(sealed.keyId) && sealed.keyId !== fingerprint) {
      throw new SecretKeyError(SecretKeyProblem.wrongKey, `wrong key: the value was sealed under key ${sealed.keyId}, not ${fingerprint}`, {
        cause: error,
        details: { expected: sealed.keyId, got: fingerprint },
      });
    }
    throw new SecretKeyError(SecretKeyProblem.tampered, `the sealed value under key ${sealed.keyId} failed authentication: it was altered, or belongs to another record${aad === undefined ? '' : ` than ${JSON.stringify(aad)}`}`, {
      cause: error,
      details: { keyId: sealed.keyId },
    });
  }
}

/** Parses and checks the JSON of a Sealed value (as stored in a database column). */
export function parseSealed(json: string): Sealed {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new SecretKeyError(SecretKeyProblem.malformed, 'a sealed value is not valid JSON', { cause: error });
  }
  const v = value as Partial<Record<keyof Sealed, unknown>> | null;
  if (typeof v !== 'object' || v === null || v.v !== 1 || typeof v.keyId !== 'string' || typeof v.iv !== 'string' || typeof v.tag !== 'string' || typeof v.data !== 'string') {
    throw new SecretKeyError(SecretKeyProblem.malformed, 'a sealed value does not have the shape {v: 1, keyId, iv, tag, data}');
  }
  return { v: 1, keyId: v.keyId, iv: v.iv, tag: v.tag, data: v.data };
}

function parseParts(sealed: Sealed): { iv: Buffer; tag: Buffer; data: Buffer } {
  // Checked strictly: a truncated tag would otherwise weaken GCM's authentication.
  if (sealed.v !== 1) throw new SecretKeyError(SecretKeyProblem.malformed, `unknown sealed value version ${String(sealed.v)}`);
  const iv = decodeBase64(sealed.iv, 'iv');
  const tag = decodeBase64(sealed.tag, 'tag');
  const data = decodeBase64(sealed.data, 'data');
  if (iv.length !== IV_BYTES) throw new SecretKeyError(SecretKeyProblem.malformed, `the sealed value's iv is ${iv.length} bytes, not ${IV_BYTES}`);
  if (tag.length !== TAG_BYTES) throw new SecretKeyError(SecretKeyProblem.malformed, `the sealed value's tag is ${tag.length} bytes, not ${TAG_BYTES}`);
  return { iv, tag, data };
}

function decodeBase64(text: unknown, field: string): Buffer {
  if (typeof text !== 'string' || !BASE64.test(text) || text.length % 4 !== 0) {
    throw new SecretKeyError(SecretKeyProblem.malformed, `the sealed value's ${field} is not base64`);
  }
  return Buffer.from(text, 'base64');
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(SecretKeyProblem.malformed, `a key must be ${KEY_BYTES} bytes, not ${key.length}`);
}

// Length-prefixed so that no (keyId, aad) pair can be confused with another.
function additionalData(keyId: string, aad: string | undefined): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  const bound = Buffer.from(aad ?? '', 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(id.length, 0);
  header.writeUInt32BE(bound.length, 4);
  return Buffer.concat([Buffer.from('sluice-envelope-v1'), header, id, bound]);
}
