// Canary steps that cannot be followed (weights that go down, or above 100) are refused by
// `sluice validate` with the line, and a run of such a file stops at checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './harness.ts';
import { registeredProject } from './fixtures.ts';
import { rolloutFiles, rolloutPipeline } from './rollout-kit.ts';

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} is in the file`);
  return i + 1;
}

void test('validate refuses canary weights that go down or exceed 100, naming the line', async (t) => {
  const dir = tempDir('spec');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cases = [
    { name: 'down', strategy: 'canary:\n  steps:\n    - { weight: 50, pause: 5s }\n    - { weight: 20, pause: 5s }', needle: 'weight: 20', message: /go up|20/ },
    { name: 'over', strategy: 'canary:\n  steps:\n    - { weight: 50 }\n    - { weight: 150 }', needle: 'weight: 150', message: /100/ },
    { name: 'equal', strategy: 'canary:\n  steps:\n    - { weight: 30 }\n    - { weight: 30 }', needle: '{ weight: 30 }', message: /go up/ },
  ];
  for (const c of cases) {
    const file = path.join(dir, `${c.name}.yaml`);
    const text = rolloutPipeline({ strategy: c.strategy });
    fs.writeFileSync(file, text);
    const r = await runCli(['validate', file]);
    assert.equal(r.code, 1, `${c.name}: ${r.stdout}`);
    const out = r.stdout + r.stderr;
    // The second step's line; for `equal` both lines match the needle, the second is meant.
    const lines = text.split('\n');
    const want = c.name === 'equal' ? lines.findLastIndex((l) => l.includes('{ weight: 30 }')) + 1 : lineOf(text, c.needle);
    assert.match(out, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${want}:\\d+: `), `${c.name}: ${out}`);
    assert.match(out, c.message, `${c.name}: ${out}`);
  }
  const good = path.join(dir, 'good.yaml');
  fs.writeFileSync(good, rolloutPipeline({ strategy: 'canary:\n  steps:\n    - { weight: 20 }\n    - { weight: 100 }' }));
  const ok = await runCli(['validate', good]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
});

void test('a run of a file with weights going down fails at checkout and deploys nothing', async (t) => {
  const strategy = 'canary:\n  steps:\n    - { weight: 60 }\n    - { weight: 10 }';
  const { server, repo } = await registeredProject(t, 'cspec', rolloutFiles('v1', { strategy }));
  const run = await server.waitRun('cspec', repo.head(), 60_000);
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.equal(run.stages.find((s) => s.name === 'checkout')?.state, 'failed', JSON.stringify(run.stages));
  assert.match(run.reason ?? '', /weight/, `run reason: ${run.reason}`);
  assert.ok(!run.stages.some((s) => s.name.startsWith('deploy:') && s.state !== 'skipped' && s.state !== 'pending'), JSON.stringify(run.stages));
  const status = await server.json<{ environments: Array<{ release: unknown }> }>(['status', 'cspec']);
  assert.ok(status.environments.every((e) => e.release === null), JSON.stringify(status));
});
