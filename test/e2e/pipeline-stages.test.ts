// Stages as gates: a failing step stops the run; steps get a clean, explicit environment;
// `test` runs in a fresh unpack of a deterministic artifact; a broken pipeline file fails the
// run at checkout with `FILE:LINE:COL: message` lines in its log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './harness.ts';
import { allLogs, setup, stageOf, waitId, type FullRun } from './pipeline-kit.ts';

void test('a failing build step fails the run at build: nothing after it starts', async (t) => {
  const pipeline = `build:
  - name: compile
    run: echo compiling
  - name: broken
    run: echo "it broke" >&2; exit 3
  - name: never
    run: echo NEVER-PRINTED
test:
  - name: unit
    run: echo NEVER-TESTED
`;
  const { server, repo, name } = await setup(t, 'gate', { 'sluice.yaml': pipeline });
  const run = (await server.waitRun(name, repo.head())) as unknown as FullRun;
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /broken/, 'the reason names the failing step');
  assert.match(run.reason ?? '', /3/, 'the reason gives the exit code');
  assert.equal(stageOf(run, 'checkout').state, 'succeeded');
  const build = stageOf(run, 'build');
  assert.equal(build.state, 'failed');
  assert.ok(build.startedAt && build.finishedAt);
  const steps = Object.fromEntries(build.steps.map((s) => [s.name, s]));
  assert.equal(steps.compile?.state, 'succeeded');
  assert.equal(steps.compile?.exitCode, 0);
  assert.equal(steps.broken?.state, 'failed');
  assert.equal(steps.broken?.exitCode, 3);
  assert.equal(steps.never?.startedAt, null, 'a step after the failing one never starts');
  assert.equal(steps.never?.exitCode, null);
  assert.ok(steps.never && !['running', 'succeeded', 'failed'].includes(steps.never.state), `step never: ${steps.never?.state}`);
  const testStage = stageOf(run, 'test');
  assert.equal(testStage.state, 'skipped');
  assert.equal(testStage.startedAt, null);
  assert.equal(testStage.finishedAt, null);
  assert.equal(testStage.steps[0]?.startedAt, null);
  const lines = await allLogs(server, run.id);
  assert.ok(lines.some((l) => l.stream === 'stderr' && l.line === 'it broke'));
  assert.ok(!lines.some((l) => l.line.includes('NEVER-PRINTED') || l.line.includes('NEVER-TESTED')), 'nothing after the failing step ran');
});

void test('steps run in a clean, explicit environment without the server’s own variables', async (t) => {
  const pipeline = `build:
  - name: env
    run: env | sort > env.txt; env | sort; test -d "$TMPDIR" && test -w "$TMPDIR"
test:
  - name: check
    run: grep -qx CI=true env.txt && ! grep -q SLUICE_TEST_MARKER env.txt && test "$TMPDIR" != "$(sed -n 's/^TMPDIR=//p' env.txt)"
`;
  const { server, repo, name } = await setup(t, 'cleanenv', { 'sluice.yaml': pipeline }, { env: { SLUICE_TEST_MARKER: 'server-secret-42' } });
  const run = await server.waitRun(name, repo.head());
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  const stepOut = (await allLogs(server, run.id)).filter((l) => l.stream === 'stdout').map((l) => l.line);
  const env = new Map(stepOut.filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  for (const key of ['PATH', 'HOME', 'TMPDIR']) assert.ok(env.get(key), `${key} is set`);
  assert.equal(env.get('CI'), 'true');
  assert.equal(env.get('SLUICE_PROJECT'), name);
  assert.equal(env.get('SLUICE_RUN_ID'), run.id);
  assert.equal(env.get('SLUICE_COMMIT'), repo.head());
  assert.equal(env.get('SLUICE_BRANCH'), 'main');
  assert.ok(!env.has('SLUICE_TEST_MARKER'), 'the server’s own environment does not leak into steps');
  assert.ok(![...env.values()].some((v) => v.includes('server-secret-42')));
  // The step's own, in its workspace, named by its sandbox path: no path of the data directory reaches a step.
  assert.match(env.get('TMPDIR') ?? '', /^\/workspace\/tmp\/[0-9a-f-]+$/);
  assert.ok(![...env.values()].some((v) => v.includes(server.dataDir)), 'a step sees no path of the data directory');
  assert.equal(env.get('HOME'), '/tmp');
  // Nothing beyond the documented variables (and what the shell itself sets).
  const allowed = new Set(['PATH', 'HOME', 'TMPDIR', 'CI', 'SLUICE_PROJECT', 'SLUICE_RUN_ID', 'SLUICE_RUN_NUMBER', 'SLUICE_COMMIT', 'SLUICE_BRANCH', 'PWD', 'OLDPWD', 'SHLVL', '_']);
  assert.deepEqual([...env.keys()].filter((k) => !allowed.has(k)), []);
});

const artifactPipeline = `build:
  - run: rm -f SCRATCH && cat VERSION > BUILT
test:
  - name: fresh-unpack
    run: test -f BUILT && test ! -e .git && test ! -e SCRATCH && echo "testing $(cat BUILT)"
`;

void test('test runs in a fresh unpack of a content-addressed, deterministic artifact', async (t) => {
  const { server, repo, name } = await setup(t, 'artifact', { 'sluice.yaml': artifactPipeline, VERSION: 'one\n' });
  const a = (await server.waitRun(name, repo.head())) as unknown as FullRun;
  assert.equal(a.state, 'succeeded', JSON.stringify(a));
  assert.match(a.artifact ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.ok((await allLogs(server, a.id)).some((l) => l.stream === 'stdout' && l.line === 'testing one'));

  // Another commit whose workspace is identical after its build: the same artifact bytes.
  const b = (await server.waitRun(name, repo.commit('scratch only', { SCRATCH: 'removed by the build\n' }))) as unknown as FullRun;
  assert.equal(b.state, 'succeeded', JSON.stringify(b));
  assert.notEqual(b.commit, a.commit);
  assert.equal(b.artifact, a.artifact, 'identical content packs to the identical digest');

  // The same commit built again: again the same digest.
  const again = await waitId(server, (await server.json<FullRun>(['trigger', name])).id);
  assert.equal(again.state, 'succeeded');
  assert.equal(again.artifact, a.artifact);

  // Different content, different digest.
  const c = (await server.waitRun(name, repo.commit('two', { VERSION: 'two\n' }))) as unknown as FullRun;
  assert.equal(c.state, 'succeeded');
  assert.match(c.artifact ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(c.artifact, a.artifact);
});

void test('a failing test step fails the run at test (the unpacked artifact has no .git)', async (t) => {
  const pipeline = `build:
  - run: git rev-parse HEAD > /dev/null 2>&1 && echo "build sees git" || echo "build sees no git"
test:
  - run: test -d .git
`;
  const { server, repo, name } = await setup(t, 'nogit', { 'sluice.yaml': pipeline });
  const run = (await server.waitRun(name, repo.head())) as unknown as FullRun;
  assert.equal(run.state, 'failed', 'the artifact holds no .git, so the test step fails');
  assert.equal(stageOf(run, 'build').state, 'succeeded');
  assert.equal(stageOf(run, 'test').state, 'failed');
  assert.equal(stageOf(run, 'test').steps[0]?.exitCode, 1);
});

void test('a broken sluice.yaml fails the run at checkout with FILE:LINE:COL messages', async (t) => {
  const broken = `build:
  - run: echo BUILD-RAN
    timeout: forever
tset:
  - run: true
`;
  const { server, repo, name } = await setup(t, 'broken', { 'sluice.yaml': broken });
  const run = (await server.waitRun(name, repo.head())) as unknown as FullRun;
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /sluice\.yaml/);
  const checkout = stageOf(run, 'checkout');
  assert.equal(checkout.state, 'failed');
  for (const s of run.stages.filter((x) => x.name !== 'checkout')) assert.equal(s.startedAt, null, `${s.name} never starts`);
  const lines = (await allLogs(server, run.id)).map((l) => l.line);
  const located = lines.filter((l) => /^sluice\.yaml:\d+:\d+: /.test(l));
  assert.ok(located.some((l) => l.startsWith('sluice.yaml:4:1: ') && /tset/.test(l) && /did you mean "test"/.test(l)), located.join('\n'));
  assert.ok(located.some((l) => l.startsWith('sluice.yaml:3:') && /timeout/.test(l)), located.join('\n'));
  assert.ok(!lines.some((l) => l === 'BUILD-RAN'));
  // The same messages `sluice validate` prints for that file.
  const dir = tempDir('validate');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sluice.yaml'), broken);
  const v = await server.cli(['validate', join(dir, 'sluice.yaml')]);
  assert.equal(v.code, 1);
  const validated = (v.stdout + v.stderr).split('\n').filter(Boolean).map((l) => l.replace(join(dir, 'sluice.yaml'), 'sluice.yaml'));
  assert.deepEqual([...validated].sort(), [...located].sort());
});
