import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstanceLog } from '../../src/runtime/process/log-writer.ts';

let root = '';
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-rotation-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = join(root, `d${++n}`);
  return dir;
}

/** Lines of the JSON records in these files, oldest file first. */
async function linesOf(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const raw of text.split('\n')) if (raw) out.push((JSON.parse(raw) as { line: string }).line);
  }
  return out;
}

async function sizes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await readdir(dir)) out.set(name, (await stat(join(dir, name))).size);
  return out;
}

const day = 86_400_000;

void test('rotates ID.log → ID.log.1 … ID.log.N within maxBytes, keeping an unbroken tail of the newest lines', async () => {
  const dir = await freshDir();
  const file = join(dir, 'app.prod.web.r1.1.log');
  const log = new InstanceLog(file, { limits: { maxBytes: 10_000, rotatedFiles: 3, maxAgeMs: day } });
  for (let i = 0; i < 2000; i++) log.write('stdout', `line ${i} ${'x'.repeat(40)}`);
  await log.close();
  assert.equal(log.error, null);
  const found = await sizes(dir);
  assert.deepEqual([...found.keys()].sort(), ['app.prod.web.r1.1.log', 'app.prod.web.r1.1.log.1', 'app.prod.web.r1.1.log.2', 'app.prod.web.r1.1.log.3']);
  const total = [...found.values()].reduce((a, b) => a + b, 0);
  assert.ok(total <= 10_000, `${total} bytes kept`);
  for (const size of found.values()) assert.ok(size <= 2500, `a file of ${size} bytes`);
  const kept = await linesOf([`${file}.3`, `${file}.2`, `${file}.1`, file]);
  const first = Number(kept[0]!.split(' ')[1]);
  assert.ok(first > 1500, 'the oldest lines are gone');
  assert.deepEqual(kept, Array.from({ length: 2000 - first }, (_, i) => `line ${first + i} ${'x'.repeat(40)}`));
});

void test('a restarted instance appends to its file and goes on rotating from its size', async () => {
  const dir = await freshDir();
  const file = join(dir, 'a.b.web.r1.1.log');
  const limits = { maxBytes: 4000, rotatedFiles: 1, maxAgeMs: day };
  let log = new InstanceLog(file, { limits });
  for (let i = 0; i < 20; i++) log.write('stdout', `first ${i}`);
  await log.close();
  log = new InstanceLog(file, { limits });
  for (let i = 0; i < 200; i++) log.write('stderr', `second ${i}`);
  await log.close();
  const total = [...(await sizes(dir)).values()].reduce((a, b) => a + b, 0);
  assert.ok(total <= 4000, `${total} bytes kept`);
  assert.equal((await linesOf([file])).at(-1), 'second 199');
});

void test('rotatedFiles 0 keeps one file within maxBytes', async () => {
  const dir = await freshDir();
  const file = join(dir, 'a.b.web.r1.1.log');
  const log = new InstanceLog(file, { limits: { maxBytes: 3000, rotatedFiles: 0, maxAgeMs: day } });
  for (let i = 0; i < 500; i++) log.write('stdout', `line ${i}`);
  await log.close();
  const found = await sizes(dir);
  assert.deepEqual([...found.keys()], ['a.b.web.r1.1.log']);
  assert.ok(found.get('a.b.web.r1.1.log')! <= 3000);
  assert.equal((await linesOf([file])).at(-1), 'line 499');
});

void test('the written file rotates at the max age and rotated files past it are removed', async () => {
  const dir = await freshDir();
  const file = join(dir, 'a.b.web.r1.1.log');
  // File times are real: the clock starts a day in the past and comes to now.
  let now = Date.now() - day - 1;
  const log = new InstanceLog(file, { limits: { maxBytes: 1_000_000, rotatedFiles: 2, maxAgeMs: day }, now: () => now });
  log.write('stdout', 'old');
  now = Date.now();
  log.write('stdout', 'new'); // the file is older than a day: it rotates first
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await linesOf([`${file}.1`]), ['old']);
  assert.deepEqual(await linesOf([file]), ['new']);
  const long = new Date(now - 2 * day);
  await utimes(`${file}.1`, long, long);
  now += 61_000; // the next write checks ages again
  log.write('stdout', 'newer');
  await log.close();
  assert.deepEqual((await readdir(dir)).sort(), ['a.b.web.r1.1.log']);
  assert.deepEqual(await linesOf([file]), ['new', 'newer']);
});
