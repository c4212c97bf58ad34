// `sluice validate` on files that used to pass it and fail later: 50,000 steps (too many SQL
// variables at the checkout stage), `timeout: 0`, NUL bytes, invalid UTF-8, a pr-N environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../e2e/harness.ts';

void test('sluice validate refuses the files that used to fail only at run time, one FILE:LINE:COL: message each', async (t) => {
  const dir = tempDir('validate-bounds');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const cases: Array<[string, string | Buffer, string]> = [
    ['steps.yaml', `build:\n${'  - run: echo step\n'.repeat(50_000)}`, 'steps.yaml:2:3: build: 50000 steps: at most 100 in one list'],
    ['timeout.yaml', 'build:\n  - run: x\n    timeout: 0\n', 'timeout.yaml:3:14: build[0].timeout: expected a duration from 1s to 1d, got 0'],
    ['interval.yaml', 'services:\n  web:\n    start: x\n    health: { path: /h, interval: 30d }\n', 'interval.yaml:4:35: services.web.health.interval: expected a duration from 100ms to 10m, got 30d'],
    ['nul.yaml', 'build:\n  - run: a\0b\n', 'nul.yaml:2:11: NUL byte (0x00): not allowed in the pipeline file'],
    ['latin1.yaml', Buffer.from('build:\n  - name: caf\xe9\n    run: x\n', 'latin1'), 'latin1.yaml:2:14: invalid UTF-8 (byte 0xe9): the file must be UTF-8 text'],
    ['preview.yaml', 'environments:\n  pr-1: {}\n', 'preview.yaml:2:3: environments.pr-1: "pr-1" is reserved for pull request previews (pr-N): choose another environment name'],
  ];
  for (const [name, content, expected] of cases) {
    const r = await runCli(['validate', write(name, content)], { cwd: dir });
    assert.equal(r.code, 1, `${name}: ${r.stdout}`);
    assert.equal(r.stderr.trim(), path.join(dir, expected), name);
  }
});
