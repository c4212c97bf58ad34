// The build's leak check: a secret value left in the workspace is found plain and in each
// encoding a build may write it in: base64 (standard, URL-safe, padded or not, and inside a longer
// base64 blob at each of the three byte alignments), hex (lower and upper case), URL-encoded and
// JSON-escaped; also inside binary files. Unrelated files are not flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findSecretInTree, MIN_ENCODED_LENGTH } from '../../src/engine/stages/find-secret-in-tree.ts';

const value = 'p@ss w/rd+42~ü';
const bytes = Buffer.from(value, 'utf8');

function tree(t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-leak-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** base64 of the value after `shift` other bytes and before some more: a value inside a longer blob. */
function embedded(shift: number, urlSafe: boolean): string {
  const blob = Buffer.concat([Buffer.from('KEY=xyz\n'.slice(0, 5 + shift)), Buffer.from('API_TOKEN='), bytes, Buffer.from('\nOTHER=1\n')]);
  const b64 = blob.toString(urlSafe ? 'base64url' : 'base64');
  return `config: ${b64}\n`;
}

const cases: Array<[string, string | Buffer, string]> = [
  ['plain', `token=${value}\n`, 'plain'],
  ['base64, standard, padded', `x ${bytes.toString('base64')} y`, 'base64'],
  ['base64, standard, unpadded', `x ${bytes.toString('base64').replace(/=+$/, '')}`, 'base64'],
  ['base64, URL-safe', `x ${bytes.toString('base64url')}`, 'base64'],
  ['hex, lower case', `x ${bytes.toString('hex')}`, 'hex'],
  ['hex, upper case', `x ${bytes.toString('hex').toUpperCase()}`, 'hex'],
  ['hex, inside a binary file', Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from(bytes.toString('hex')), Buffer.from([0])]), 'hex'],
  ['URL-encoded (encodeURIComponent)', `https://example.test/?t=${encodeURIComponent(value)}`, 'URL-encoded'],
  ['URL-encoded, lower-case escapes', encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()), 'URL-encoded'],
  ['URL-encoded, form (spaces as +)', new URLSearchParams({ t: value }).toString(), 'URL-encoded'],
  ['JSON-escaped', JSON.stringify({ t: 'say "' + value + '"' }), 'plain'],
  ['plain, inside a binary file', Buffer.concat([Buffer.from([0, 159, 146, 150]), bytes, Buffer.from([0xff])]), 'plain'],
];
for (const shift of [0, 1, 2]) {
  cases.push([`base64 inside a longer blob, alignment ${shift} (standard)`, embedded(shift, false), 'base64']);
  cases.push([`base64 inside a longer blob, alignment ${shift} (URL-safe)`, embedded(shift, true), 'base64']);
}

for (const [name, content, encoding] of cases) {
  void test(`a secret left ${name} is found`, async (t) => {
    const dir = tree(t, { 'index.js': 'console.log(1)\n', 'deep/dir/out.txt': content });
    const leak = await findSecretInTree(dir, { OTHER: 'not-in-any-file', TOKEN: value });
    assert.deepEqual(leak && { key: leak.key, file: leak.file }, { key: 'TOKEN', file: 'deep/dir/out.txt' }, JSON.stringify(content.toString()));
    assert.equal(leak?.encoding, encoding);
  });
}

void test('no leak: other values, other encodings of other bytes, .git, and short secrets only in plain', async (t) => {
  const dir = tree(t, {
    'a.txt': `${Buffer.from('something else').toString('base64')} ${Buffer.from('something else').toString('hex')}\n`,
    '.git/config': value, // the checkout's own metadata is not packed
    'random.bin': Buffer.from(Array.from({ length: 1 << 16 }, (_, i) => (i * 7919) % 256)),
  });
  assert.equal(await findSecretInTree(dir, { TOKEN: value }), null);
  assert.equal(await findSecretInTree(dir, {}), null);
  assert.equal(await findSecretInTree(dir, { TINY: 'abc' }), null, 'values under 4 characters are not looked for');
  // A 4-byte value: plain and its whole encodings (8+ characters) count, not its 5-character slices.
  const short = 'k9$Z';
  assert.ok(Buffer.from(short).toString('base64').length >= MIN_ENCODED_LENGTH);
  const shortDir = tree(t, { 'b.txt': `x${Buffer.from(short).toString('base64')}x` });
  assert.equal((await findSecretInTree(shortDir, { S: short }))?.encoding, 'base64');
});
