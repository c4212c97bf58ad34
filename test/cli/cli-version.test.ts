// `sluice --version` is answered by bin/sluice.js itself (docs/decisions/0012): the same version
// as package.json, through the shebang's Node flags too, and the CLI proper still answers it
// when other arguments come with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, root } from '../e2e/harness.ts';

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const run = (file: string, args: string[]): string => execFileSync(file, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

void test('--version and -V print the package version, with and without the shebang', () => {
  assert.equal(run(process.execPath, [bin, '--version']), `${version}\n`);
  assert.equal(run(process.execPath, [bin, '-V']), `${version}\n`);
  // Executed directly: `env -S node FLAGS` must start, and print nothing else (no V8 warning).
  assert.equal(run(bin, ['--version']), `${version}\n`);
  const direct = spawnSync(bin, ['-V'], { cwd: root, encoding: 'utf8' });
  assert.deepEqual([direct.status, direct.stdout, direct.stderr], [0, `${version}\n`, '']);
});

void test('with other arguments the CLI answers as before', () => {
  assert.equal(run(process.execPath, [bin, '--version', 'runs']), `${version}\n`);
  assert.match(run(process.execPath, [bin, '--help']), /Usage: sluice/);
});
