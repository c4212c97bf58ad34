import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, parseSize } from '../../src/spec/size.ts';
import { InvalidInputError } from '../../src/errors.ts';

void test('sizes are bytes or binary units', () => {
  assert.equal(parseSize('512'), 512);
  assert.equal(parseSize('512B'), 512);
  assert.equal(parseSize('64KiB'), 64 * 1024);
  assert.equal(parseSize('20MiB'), 20 * 1024 ** 2);
  assert.equal(parseSize('20mb'), 20 * 1024 ** 2);
  assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
  assert.equal(formatSize(4 * 1024 ** 2), '4MiB');
  assert.equal(formatSize(1500), '1500B');
  assert.equal(parseSize(formatSize(100 * 1024 ** 2)), 100 * 1024 ** 2);
});

void test('anything else is refused with a coded error', () => {
  for (const bad of ['', 'MiB', '-1', '20 TB', '1e3', '12QB', `${'9'.repeat(30)}G`]) {
    assert.throws(() => parseSize(bad), (e: unknown) => e instanceof InvalidInputError && e.code === 'invalid_input', bad);
  }
});
