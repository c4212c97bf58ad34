// `flags:` in sluice.yaml: the flag file's path compiles as written (null without the key); a
// path outside the repository or of another kind is refused at its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, valid } from './spec-kit.ts';

const file = (flags: string): string => `services:\n  web:\n    start: x\nflags: ${flags}\n`;

void test('flags names the flag file: a path in the repository, .yaml, .yml or .json', () => {
  assert.equal(valid(file('flags.yaml')).flags, 'flags.yaml');
  assert.equal(valid(file('config/flags.json')).flags, 'config/flags.json');
  assert.equal(valid('services:\n  web:\n    start: x\n').flags, null);
});

void test('a flag file path outside the repository or not YAML/JSON is refused at its line and column', () => {
  assert.deepEqual(errorsOf(file('/etc/flags.yaml')), ['sluice.yaml:4:8: flags: must be a path inside the repository, relative to sluice.yaml, without ..']);
  assert.deepEqual(errorsOf(file('../flags.yaml')), ['sluice.yaml:4:8: flags: must be a path inside the repository, relative to sluice.yaml, without ..']);
  assert.deepEqual(errorsOf(file('flags.toml')), ['sluice.yaml:4:8: flags: the flag file must end in .yaml, .yml or .json']);
});
