import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLinesBackward } from '../../src/fs/read-lines-backward.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-backward-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(file: string, opts: Parameters<typeof readLinesBackward>[1] = {}): Promise<Array<{ text: string; end: number }>> {
  const out = [];
  for await (const l of readLinesBackward(file, opts)) out.push(l);
  return out;
}

void test('yields every line newest first, whatever the chunk size, with multi-byte characters split across chunks', async () => {
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'é→🙂'.repeat(i % 7)}`);
  const file = join(root, 'a.log');
  await writeFile(file, `${lines.join('\n')}\n`);
  for (const chunkBytes of [1, 3, 7, 64, 65536]) {
    const got = await collect(file, { chunkBytes });
    assert.deepEqual(
      got.map((l) => l.text),
      [...lines].reverse(),
      `chunk ${chunkBytes}`,
    );
  }
});

void test('each line says where reading forward after it begins; a partial last line is not yielded', async () => {
  const file = join(root, 'b.log');
  await writeFile(file, 'one\ntwo\nthree\npart');
  const got = await collect(file, { chunkBytes: 4 });
  assert.deepEqual(got, [
    { text: 'three', end: 14 },
    { text: 'two', end: 8 },
    { text: 'one', end: 4 },
  ]);
  assert.equal((await readFile(file, 'utf8')).slice(got[0]!.end), 'part');
  // Starting from an earlier end reads an earlier snapshot of the file.
  assert.deepEqual((await collect(file, { end: 8 })).map((l) => l.text), ['two', 'one']);
});

void test('empty, newline-only and missing files', async () => {
  await writeFile(join(root, 'empty.log'), '');
  await writeFile(join(root, 'nl.log'), '\n\n');
  assert.deepEqual(await collect(join(root, 'empty.log')), []);
  assert.deepEqual((await collect(join(root, 'nl.log'))).map((l) => l.text), ['', '']);
  assert.deepEqual(await collect(join(root, 'missing.log')), []);
});

void test('a line longer than maxLineBytes is skipped, the lines around it are kept', async () => {
  const file = join(root, 'long.log');
  await writeFile(file, `before\n${'x'.repeat(10_000)}\nafter\n`);
  assert.deepEqual((await collect(file, { chunkBytes: 512, maxLineBytes: 1000 })).map((l) => l.text), ['after', 'before']);
});

void test('the newest lines of a 4 GiB file come without reading the file (a whole-file read would fail)', async () => {
  const file = join(root, 'huge.log');
  const handle = await open(file, 'w');
  await handle.truncate(4 * 1024 ** 3); // sparse: no disk used
  await handle.write('older line\nnewest line\n', 4 * 1024 ** 3);
  await handle.close();
  await assert.rejects(readFile(file), /ERR_FS_FILE_TOO_LARGE|too large|Array buffer allocation failed/i);
  const lines = readLinesBackward(file);
  const first = await lines.next();
  assert.equal(first.done ? null : first.value.text, 'newest line');
  await lines.return(undefined);
});
