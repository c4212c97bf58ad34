// `image:` in sluice.yaml: base and workdir compile (workdir /app by default); a base that is
// not an image reference or a workdir that is not absolute is refused at its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, valid } from './spec-kit.ts';
import { parseImageReference } from '../../src/spec/image-reference.ts';

const file = (image: string): string => `services:\n  web:\n    start: node server.js\nimage:\n${image}`;

void test('image compiles to its base and workdir (default /app, a trailing / dropped)', () => {
  assert.deepEqual(valid(file('  base: registry.example.com/library/node:24-slim\n  workdir: /srv/app/\n')).image, { base: 'registry.example.com/library/node:24-slim', workdir: '/srv/app' });
  assert.deepEqual(valid(file('  base: busybox\n')).image, { base: 'busybox', workdir: '/app' });
  assert.equal(valid('services:\n  web:\n    start: x\n').image, null);
});

void test('image references parse as docker pull reads them', () => {
  assert.deepEqual(parseImageReference('node:24-slim'), { host: 'docker.io', repository: 'library/node', tag: '24-slim', digest: null });
  assert.deepEqual(parseImageReference('127.0.0.1:5000/team/app'), { host: '127.0.0.1:5000', repository: 'team/app', tag: 'latest', digest: null });
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageReference(`localhost/app@${d}`), { host: 'localhost', repository: 'app', tag: null, digest: d });
  assert.deepEqual(parseImageReference(`r.io/app:1@${d}`), { host: 'r.io', repository: 'app', tag: '1', digest: d });
});

void test('a base that is not a valid reference, a workdir that is not absolute or not plain, an unknown key: refused at line and column', () => {
  assert.deepEqual(errorsOf(file('  base: Registry.example.com/Node:24\n')), [
    'sluice.yaml:5:9: image.base: is not a valid image reference: "Node" is not a repository name: lowercase letters and digits, separated by /, ., _, __ or -',
  ]);
  assert.deepEqual(errorsOf(file('  base: node@sha256:abc\n')), ['sluice.yaml:5:9: image.base: is not a valid image reference: "sha256:abc" is not a digest: expected sha256: and 64 lowercase hex digits']);
  assert.deepEqual(errorsOf(file('  base: node\n  workdir: app\n')), ['sluice.yaml:6:12: image.workdir: must be an absolute path (starting with /), got "app"']);
  assert.deepEqual(errorsOf(file('  base: node\n  workdir: /app/../etc\n')), ['sluice.yaml:6:12: image.workdir: must be a plain absolute path without ".", ".." or "//", got "/app/../etc"']);
  assert.deepEqual(errorsOf(file('  base: node\n  workdir: /\n')), ['sluice.yaml:6:12: image.workdir: must not be / (the base image\'s root): name a directory such as /app']);
  assert.equal(errorsOf(file('  workdir: /app\n')).length, 1);
  assert.deepEqual(errorsOf(file('  base: node\n  user: root\n')), ['sluice.yaml:6:3: image.user: unknown key "user" (allowed: base, workdir)']);
});
