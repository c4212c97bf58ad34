// Retention after each run: artifacts past --keep-artifacts are removed when a run ends (not at
// the next 10-minute sweep), run logs are cut per step with a note, and only the newest
// --run-log-keep runs of a project keep their lines (the runs stay). Releases past
// --keep-releases lose their unpacked files and (unless recent) their artifacts; a rollback to
// one whose files are gone unpacks its artifact again, and one whose artifact is gone is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allLogs, setup } from './pipeline-kit.ts';
import { appFiles, deployedProject, prodBody, type ReleaseJson } from './fixtures.ts';
import { TestServer } from './harness.ts';

const keep = 2;
const runs = 5;
const pipeline = (n: number): string => `build:
  - name: loud
    run: echo version ${n} > version.txt; for i in $(seq 1 200); do echo "line $i of a step printing more than its cap"; done
test:
  - run: "true"
`;

void test(`after ${runs} runs, exactly ${keep} artifacts and ${keep} runs' logs remain; a step is cut at its cap with a note`, { timeout: 300_000 }, async (t) => {
  const { server, repo, name } = await setup(t, 'keep', { 'sluice.yaml': pipeline(0) }, { args: ['--keep-artifacts', String(keep), '--run-log-keep', String(keep), '--run-log-step-max', '2KiB'] });
  const ids: string[] = [];
  let sha = repo.head();
  for (let n = 1; n <= runs; n++) {
    if (n > 1) sha = repo.commit(`run ${n}`, { 'sluice.yaml': pipeline(n) });
    const run = await server.waitRun(name, sha, 120_000);
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
    ids.push(run.id);
  }
  const artifactDir = path.join(server.dataDir, 'artifacts', 'sha256');
  const artifacts = (): string[] => fs.readdirSync(artifactDir).filter((f) => f.endsWith('.tar.gz'));
  // Retention runs right after the run ends; the timer would take 10 minutes.
  await server.waitFor(`${keep} artifacts`, async () => artifacts().length === keep, 20_000).catch(() => {
    assert.fail(`expected ${keep} artifacts, found ${artifacts().length}`);
  });
  const lineCounts = async (): Promise<number[]> => Promise.all(ids.map(async (id) => (await allLogs(server, id)).length));
  await server.waitFor('old run logs removed', async () => (await lineCounts()).slice(0, runs - keep).every((c) => c === 0), 20_000);
  const counts = await lineCounts();
  assert.ok(counts.slice(runs - keep).every((c) => c > 0), JSON.stringify(counts));
  assert.equal((await server.json<unknown[]>(['runs', name])).length, runs, 'the runs themselves stay');

  const last = await allLogs(server, ids.at(-1)!);
  const loud = last.filter((l) => l.line.startsWith('line '));
  const kept = loud.reduce((n, l) => n + Buffer.byteLength(l.line), 0);
  assert.ok(kept <= 2048 && kept > 2048 - 400, `${kept} bytes kept`); // the step's other lines (its command) share the cap
  const note = last.find((l) => l.line.startsWith('… output cut at 2KiB'));
  assert.ok(note, 'a note where the output was cut');
  assert.equal(last.indexOf(note), last.indexOf(loud.at(-1)!) + 1, 'the note follows the last kept line');
  assert.match(note.line, /\(\d+ bytes in \d+ lines dropped\)/);
});

void test('releases past --keep-releases lose their files and artifacts; rollback re-unpacks a kept artifact and refuses a removed one', { timeout: 300_000 }, async (t) => {
  // Keep 1 release per environment (plus live and rollback target) and the 3 newest artifacts.
  const { server, repo } = await deployedProject(t, 'rel', appFiles('v1'), { args: ['--keep-releases', '1', '--keep-artifacts', '3'] });
  for (const v of ['v2', 'v3', 'v4']) {
    const run = await server.waitRun('rel', repo.commit(v, { VERSION: `${v}\n` }), 120_000);
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
  }
  assert.equal(await prodBody(server, 'rel'), 'v4');
  const releases = (): Promise<ReleaseJson[]> => server.json<ReleaseJson[]>(['releases', 'rel', '--env', 'production']);
  const byNumber = new Map((await releases()).map((r) => [r.number, r]));
  const dirs = (env: string): string[] => fs.readdirSync(path.join(server.dataDir, 'releases', 'rel', env)).sort();
  const artifactFile = (digest: string): string => path.join(server.dataDir, 'artifacts', 'sha256', `${digest.replace('sha256:', '')}.tar.gz`);

  // Release 4 is live, release 3 its rollback target: releases 1 and 2 lose their files.
  await server.waitFor('old release directories removed', async () => dirs('production').join() === 'r3,r4' && dirs('staging').join() === 'r3,r4', 30_000).catch(() => {
    assert.fail(`release directories: production ${dirs('production').join()}, staging ${dirs('staging').join()}`);
  });
  // Artifacts: v3 and v4 (kept releases) and v2 (among the 3 newest) stay; v1 goes.
  await server.waitFor('v1 artifact removed', async () => !fs.existsSync(artifactFile(byNumber.get(1)!.artifact)), 30_000);
  for (const n of [2, 3, 4]) assert.ok(fs.existsSync(artifactFile(byNumber.get(n)!.artifact)), `artifact of release ${n}`);

  // Release 1's artifact is gone: refused with the reason, nothing changes.
  const gone = await server.cli(['rollback', 'rel', '--env', 'production', '--to', '1']);
  assert.equal(gone.code, 1, gone.stdout);
  assert.match(gone.stderr, /no longer in the artifact store/);
  assert.equal((await releases()).length, 4, 'a refused rollback creates no release');
  assert.equal(await prodBody(server, 'rel'), 'v4');

  // Release 2's files are gone but its artifact is not: the rollback unpacks it again.
  assert.ok(!dirs('production').includes('r2'));
  const back = await server.cli(['rollback', 'rel', '--env', 'production', '--to', '2', '--json']);
  assert.equal(back.code, 0, back.stderr);
  const r5 = JSON.parse(back.stdout) as ReleaseJson;
  assert.deepEqual([r5.number, r5.state, r5.artifact], [5, 'live', byNumber.get(2)!.artifact]);
  assert.equal(await prodBody(server, 'rel'), 'v2');
  // Now 5 is live and 4 its rollback target: release 3's files go too (retention runs after a rollback).
  await server.waitFor('release 3 files removed', async () => dirs('production').join() === 'r4,r5', 30_000).catch(() => {
    assert.fail(`production release directories: ${dirs('production').join()}`);
  });
  assert.equal(await prodBody(server, 'rel'), 'v2');
});

void test('the data plane rotates <data>/logs/dataplane.log at --log-max, keeping --log-keep files', { timeout: 120_000 }, async (t) => {
  const server = await TestServer.start(['--log-max', '64KiB', '--log-keep', '2']);
  t.after(() => server.close());
  const log = path.join(server.dataDir, 'logs', 'dataplane.log');
  // The data plane's own lines are few; grow its file from outside past the size.
  for (const fill of ['a', 'b', 'c']) {
    fs.appendFileSync(log, `${fill.repeat(70 * 1024)}\n`);
    await server.waitFor(`dataplane.log rotated (${fill})`, async () => fs.statSync(log).size < 64 * 1024 && fs.existsSync(`${log}.1`) && fs.readFileSync(`${log}.1`, 'utf8').includes(fill.repeat(100)), 30_000);
  }
  assert.ok(fs.readFileSync(`${log}.2`, 'utf8').includes('b'.repeat(100)), 'the one before is .2');
  assert.equal(fs.existsSync(`${log}.3`), false, 'no more than --log-keep files');
});
