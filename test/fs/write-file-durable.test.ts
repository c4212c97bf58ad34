import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileDurable } from '../../src/fs/write-file-durable.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-durable-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

void test('the new content is complete, the mode is applied and no temp file remains', async () => {
  const dir = join(root, 'a', 'nested');
  const file = join(dir, 'state.json');
  const big = JSON.stringify({ items: Array.from({ length: 50_000 }, (_, i) => `item-${i}`) });
  writeFileDurable(file, '{"old":true}');
  writeFileDurable(file, big, { mode: 0o600 });
  assert.equal(await readFile(file, 'utf8'), big);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['state.json']);
});

void test('a failed rename leaves the old target and no temp file', async () => {
  const dir = join(root, 'b');
  await mkdir(join(dir, 'state.json'), { recursive: true }); // a directory where the file should go: rename fails
  assert.throws(() => writeFileDurable(join(dir, 'state.json'), 'new'), /EISDIR|ENOTEMPTY|EEXIST/);
  assert.deepEqual(await readdir(dir), ['state.json']);
  assert.ok((await stat(join(dir, 'state.json'))).isDirectory());
});

void test('a writer killed at random moments never leaves a torn file', async () => {
  const file = join(root, 'c', 'state.json');
  const script = fileURLToPath(new URL('../../src/fs/write-file-durable.ts', import.meta.url));
  // The child rewrites a 1 MB JSON document in a loop until it is killed.
  const code = `import { writeFileDurable } from ${JSON.stringify(script)};
    let i = 0; for (;;) { writeFileDurable(${JSON.stringify(file)}, JSON.stringify({ i: ++i, pad: 'x'.repeat(1_000_000) })); if (i === 3) console.log('ready'); }`;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (c) => reject(new Error(`writer exited early (${c})`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { i: number; pad: string };
    assert.ok(parsed.i >= 3);
    assert.equal(parsed.pad.length, 1_000_000);
  }
});
