// Retention after each run: artifacts past --keep-artifacts are removed when a run ends (not at
// the next 10-minute sweep), run logs are cut per step with a note, and only the newest
// --run-log-keep runs of a project keep their lines (the runs stay).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allLogs, setup } from './pipeline-kit.ts';

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
