// Size rotation of the file a process's stdout appends to (<data>/logs/dataplane.log): copied
// to FILE.1 and truncated in place, from the thread that writes the lines, so no line is lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { outputFileOf, rotateIfLarge } from '../../src/server/rotate-own-output.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

void test('rotateIfLarge copies to FILE.1, shifts older files up to keep, and truncates; appends then start at 0', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'dataplane.log');
  const fd = openSync(file, 'a');
  t.after(() => closeSync(fd));
  const rotation = { maxBytes: 1000, keep: 2 };
  writeSync(fd, 'a'.repeat(999));
  assert.equal(rotateIfLarge(fd, file, rotation), false, 'under the size');
  for (const fill of ['b', 'c', 'd']) {
    writeSync(fd, fill);
    assert.equal(rotateIfLarge(fd, file, rotation), true);
    assert.equal(statSync(file).size, 0);
    writeSync(fd, fill.repeat(999));
  }
  assert.equal(readFileSync(file, 'utf8'), 'd'.repeat(999), 'the writer goes on at offset 0');
  assert.equal(readFileSync(`${file}.1`, 'utf8'), `${'c'.repeat(999)}d`);
  assert.equal(readFileSync(`${file}.2`, 'utf8'), `${'b'.repeat(999)}c`);
  assert.equal(existsSync(`${file}.3`), false, 'the oldest fell off');
});

void test('outputFileOf: a regular file and whether it appends; nothing for what is not a file', (t) => {
  const dir = tempDir(t);
  const appending = openSync(join(dir, 'a.log'), 'a');
  const writing = openSync(join(dir, 'w.log'), 'w');
  const directory = openSync(dir, 'r');
  t.after(() => [appending, writing, directory].forEach((fd) => closeSync(fd)));
  assert.deepEqual(outputFileOf(appending), { file: join(dir, 'a.log'), append: true });
  assert.deepEqual(outputFileOf(writing), { file: join(dir, 'w.log'), append: false });
  assert.equal(outputFileOf(directory), null);
});

void test('a process writing to its stdout file rotates it at its size, and no line is lost across rotations', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'dataplane.log');
  const child = join(dir, 'child.ts');
  const module = new URL('../../src/server/rotate-own-output.ts', import.meta.url).href;
  // 2,000 lines of 100 bytes in batches of 20, with the check every 5 ms: many rotations.
  writeFileSync(child, `import { startOutputRotation } from ${JSON.stringify(module)};
const stop = startOutputRotation({ maxBytes: 16 * 1024, keep: 20 }, (l) => console.error('warn', l), 5);
let n = 0;
const batch = () => {
  for (let i = 0; i < 20; i++) { n++; console.log(String(n).padStart(8, '0') + ' ' + 'x'.repeat(90)); }
  if (n < 2000) setTimeout(batch, 2); else { stop(); }
};
batch();
`);
  const out = openSync(file, 'a');
  const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', out, out], cwd: process.cwd() });
  closeSync(out);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 0, readFileSync(file, 'utf8').slice(0, 2000));
  const files = [...Array.from({ length: 20 }, (_, i) => `${file}.${20 - i}`).filter((f) => existsSync(f)), file];
  assert.ok(files.length > 5, `rotated ${files.length - 1} times`);
  // How far past the size a file gets depends on the timer (the machine's load); that it was full does not.
  for (const f of files.slice(0, -1)) assert.ok(statSync(f).size >= 16 * 1024, `${f}: ${statSync(f).size} bytes`);
  const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const numbers = lines.map((l) => Number(l.slice(0, 8)));
  assert.equal(numbers.length, 2000, lines.filter((l) => !/^\d{8} x+$/.test(l)).slice(0, 3).join('\n'));
  assert.deepEqual(numbers, Array.from({ length: 2000 }, (_, i) => i + 1), 'every line once, in order');
});
