import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../src/artifact/artifact-store.ts';
import { ArtifactError } from '../../src/errors.ts';

let root = '';
let n = 0;
const fresh = (name: string): string => join(root, `${name}-${++n}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-artifact-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the same logical workspace; `variant` changes creation order, mtimes and permissions noise. */
async function makeWorkspace(dir: string, variant: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [['b.txt', 'bee\n'], ['a.txt', 'ay\n'], ['sub/z.txt', 'zed\n'], ['sub/y.txt', 'why\n'], ['bin/run.sh', '#!/bin/sh\necho run\n']];
  if (variant % 2 === 1) files.reverse();
  for (const [path, content] of files) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
    await chmod(join(dir, path), variant % 2 === 1 ? 0o664 : 0o644); // umask noise
    const t = new Date(Date.UTC(2020 + variant, 0, 1));
    await utimes(join(dir, path), t, t);
  }
  await chmod(join(dir, 'bin/run.sh'), variant % 2 === 1 ? 0o775 : 0o755);
  await symlink('a.txt', join(dir, 'link-to-a'));
}

void test('same content gives the same digest whatever the mtimes, order and umask', async () => {
  const dir = fresh('store');
  const store = new ArtifactStore({ dir });
  const w1 = fresh('ws');
  const w2 = fresh('ws');
  await makeWorkspace(w1, 0);
  await makeWorkspace(w2, 1);
  const r1 = await store.pack(w1);
  const r2 = await store.pack(w2);
  assert.match(r1.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(r1.digest, r2.digest);
  assert.equal(r1.size, r2.size);
  assert.ok(await store.has(r1.digest));
  const listed = await store.list();
  assert.equal(listed.length, 1);
  assert.equal(listed[0]?.size, r1.size);
  const storedBytes = await readFile(join(dir, 'sha256', `${r1.digest.slice(7)}.tar.gz`));
  assert.equal(storedBytes.length, r1.size);

  await writeFile(join(w2, 'a.txt'), 'changed\n');
  const r3 = await store.pack(w2);
  assert.notEqual(r3.digest, r1.digest);
});

void test('.git is excluded, exec bit and symlinks are kept', async () => {
  const store = new ArtifactStore({ dir: fresh('store') });
  const ws = fresh('ws');
  await makeWorkspace(ws, 0);
  const plain = await store.pack(ws);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: ws });
  await mkdir(join(ws, 'nested/.git'), { recursive: true });
  await writeFile(join(ws, 'nested/.git/keep'), 'x');
  const withGit = await store.pack(ws);
  await rm(join(ws, 'nested'), { recursive: true });
  assert.equal(await store.pack(ws).then((r) => r.digest), plain.digest, 'the top-level .git does not change the digest');

  const out = fresh('out');
  await store.unpack(withGit.digest, out);
  const entries = (await readdir(out)).sort();
  assert.deepEqual(entries, ['a.txt', 'b.txt', 'bin', 'link-to-a', 'nested', 'sub']);
  assert.equal(await readFile(join(out, 'sub/z.txt'), 'utf8'), 'zed\n');
  assert.equal((await stat(join(out, 'bin/run.sh'))).mode & 0o111, 0o111, 'exec bit preserved');
  assert.equal((await stat(join(out, 'a.txt'))).mode & 0o111, 0);
  assert.equal(await readlink(join(out, 'link-to-a')), 'a.txt');
  assert.ok((await stat(join(out, 'nested/.git/keep'))).isFile(), 'only the top-level .git is excluded');
});

void test('unpack verifies the digest before extracting anything', async () => {
  const dir = fresh('store');
  const store = new ArtifactStore({ dir });
  const ws = fresh('ws');
  await makeWorkspace(ws, 0);
  const ref = await store.pack(ws);
  const file = join(dir, 'sha256', `${ref.digest.slice(7)}.tar.gz`);
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, 100);
  await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
  await handle.close();

  const dest = fresh('out');
  await assert.rejects(store.unpack(ref.digest, dest), (e: unknown) => {
    assert.ok(e instanceof ArtifactError);
    assert.equal(e.message, `artifact ${ref.digest} is corrupt: digest mismatch`);
    return true;
  });
  await assert.rejects(stat(dest), { code: 'ENOENT' }, 'nothing extracted');

  // Packing the same content again repairs the stored copy.
  await store.pack(ws);
  await store.unpack(ref.digest, dest);
  assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'ay\n');
});

void test('missing, malformed digests and non-empty destinations are errors', async () => {
  const store = new ArtifactStore({ dir: fresh('store') });
  const missing = `sha256:${'a'.repeat(64)}`;
  await assert.rejects(store.unpack(missing, fresh('out')), { message: `artifact ${missing} is missing from the store` });
  await assert.rejects(store.unpack('md5:abc', fresh('out')), ArtifactError);
  assert.equal(await store.has(missing), false);
  assert.equal(await store.has('nonsense'), false);
  assert.deepEqual(await store.list(), []);

  const ws = fresh('ws');
  await makeWorkspace(ws, 0);
  const ref = await store.pack(ws);
  const dest = fresh('out');
  await mkdir(dest);
  await writeFile(join(dest, 'x'), 'x');
  await assert.rejects(store.unpack(ref.digest, dest), /not empty/);
  await assert.rejects(store.pack(join(root, 'no-such-ws')), ArtifactError);
});

void test('prune keeps the newest and the referenced ones', async () => {
  const dir = fresh('store');
  const store = new ArtifactStore({ dir });
  const refs: string[] = [];
  for (let i = 0; i < 5; i++) {
    const ws = fresh('ws');
    await mkdir(ws);
    await writeFile(join(ws, 'n.txt'), `build ${i}\n`);
    const ref = await store.pack(ws);
    // Distinct creation times without sleeping.
    const t = new Date(Date.UTC(2024, 0, 1 + i));
    await utimes(join(dir, 'sha256', `${ref.digest.slice(7)}.tar.gz`), t, t);
    refs.push(ref.digest);
  }
  assert.deepEqual((await store.list()).map((a) => a.digest), [...refs].reverse(), 'newest first');
  const removed = await store.prune({ keep: 2, referenced: new Set([refs[0]!]) });
  assert.deepEqual(removed.sort(), [refs[1]!, refs[2]!].sort());
  assert.deepEqual((await store.list()).map((a) => a.digest).sort(), [refs[0]!, refs[3]!, refs[4]!].sort());
  assert.ok(await store.has(refs[0]!));
  assert.equal(await store.has(refs[1]!), false);
  await assert.rejects(store.prune({ keep: -1, referenced: new Set() }));
});
