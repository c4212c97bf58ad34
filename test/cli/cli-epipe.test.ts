// `sluice … | head`: a reader that goes away early ends the CLI quietly, without a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { bin } from '../e2e/harness.ts';

void test('a closed stdout pipe ends the CLI quietly', async () => {
  const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the CLI has loaded: its first write meets a pipe without a reader (EPIPE).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
