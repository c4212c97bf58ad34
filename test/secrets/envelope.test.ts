import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyFingerprint, newKey, open, parseSealed, seal } from '../../src/secrets/envelope.ts';
import type { Sealed } from '../../src/secrets/envelope.ts';
import { SecretKeyError } from '../../src/secrets/secret-key-error.ts';

const plaintext = Buffer.from('postgres://app:s3cr3t-Pa55@db/app', 'utf8');

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

function assertKeyError(fn: () => unknown, problem: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SecretKeyError, `expected SecretKeyError, got ${String(error)}`);
    assert.equal(error.code, 'unavailable');
    assert.equal(error.problem, problem);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

void test('seal and open round trip, JSON-safe, with a fresh iv each time', () => {
  const key = newKey();
  const id = keyFingerprint(key);
  assert.equal(key.length, 32);
  assert.match(id, /^[0-9a-f]{16}$/);
  const sealed = seal(key, id, plaintext, 'shared/DATABASE_URL/1');
  const again = seal(key, id, plaintext, 'shared/DATABASE_URL/1');
  assert.notEqual(sealed.iv, again.iv);
  assert.notEqual(sealed.data, again.data);
  assert.ok(!JSON.stringify(sealed).includes('s3cr3t'));
  const roundTripped = JSON.parse(JSON.stringify(sealed)) as Sealed;
  assert.deepEqual(open(key, roundTripped, 'shared/DATABASE_URL/1'), plaintext);
  assert.deepEqual(open(key, parseSealed(JSON.stringify(sealed)), 'shared/DATABASE_URL/1'), plaintext);
  // Empty plaintext and no AAD work too.
  assert.equal(open(key, seal(key, id, Buffer.alloc(0))).length, 0);
});

void test('a wrong key fails closed and names both fingerprints', () => {
  const key = newKey();
  const other = newKey();
  const sealed = seal(key, keyFingerprint(key), plaintext, 'a');
  assertKeyError(() => open(other, sealed, 'a'), 'wrong_key', new RegExp(`${keyFingerprint(key)}.*${keyFingerprint(other)}`));
});

void test('tampered tag, data, iv or key id fail closed', () => {
  const key = newKey();
  const sealed = seal(key, keyFingerprint(key), plaintext, 'a');
  assertKeyError(() => open(key, { ...sealed, tag: flipFirstByte(sealed.tag) }, 'a'), 'tampered');
  assertKeyError(() => open(key, { ...sealed, data: flipFirstByte(sealed.data) }, 'a'), 'tampered');
  assertKeyError(() => open(key, { ...sealed, iv: flipFirstByte(sealed.iv) }, 'a'), 'tampered');
  // Relabelling with another key id is detected too: the id is authenticated.
  assertKeyError(() => open(key, { ...sealed, keyId: 'some-other-key' }, 'a'), 'tampered');
  // A truncated tag is refused rather than checked with fewer bits.
  assertKeyError(() => open(key, { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64') }, 'a'), 'malformed');
  assertKeyError(() => open(key, { ...sealed, data: 'not base64!' }, 'a'), 'malformed');
  assertKeyError(() => open(key, { ...sealed, v: 2 as 1 }, 'a'), 'malformed');
  assertKeyError(() => parseSealed('{"v":1}'), 'malformed');
  assertKeyError(() => parseSealed('nope'), 'malformed');
  assertKeyError(() => open(Buffer.alloc(16), sealed, 'a'), 'malformed');
});

void test('AAD binds a ciphertext to its row: swapping two rows fails', () => {
  const key = newKey();
  const id = keyFingerprint(key);
  const rowA = seal(key, id, Buffer.from('value-of-A'), 'shared/A/1');
  const rowB = seal(key, id, Buffer.from('value-of-B'), 'shared/B/1');
  assert.equal(open(key, rowA, 'shared/A/1').toString(), 'value-of-A');
  assertKeyError(() => open(key, rowB, 'shared/A/1'), 'tampered', /shared\/A\/1/);
  assertKeyError(() => open(key, rowA, 'shared/A/2'), 'tampered');
  assertKeyError(() => open(key, rowA), 'tampered');
});
