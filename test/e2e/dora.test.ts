// `sluice dora` against a real server: two deploys and a rollback give the keys worked out here,
// from the events the deployer and the deploy stage recorded (commit times read from git once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appFiles, deployedProject, prodBody } from './fixtures.ts';

interface Dora {
  project: string;
  environment: string;
  deploymentFrequency: { perDay: number | null; deploys: number };
  leadTimeForChanges: { p50Seconds: number | null; p90Seconds: number | null };
  changeFailureRate: { ratio: number | null; failed: number; total: number };
  timeToRestore: { p50Seconds: number | null; incidents: number };
}

void test('two deploys and one rollback: sluice dora --json counts them; bad input is refused with its reason', async (t) => {
  const { server, repo } = await deployedProject(t, 'dora', appFiles('v1'));
  const sha2 = repo.commit('v2', { VERSION: 'v2\n' });
  assert.equal((await server.waitRun('dora', sha2)).state, 'succeeded');
  assert.equal(await prodBody(server, 'dora'), 'v2');
  const back = await server.cli(['rollback', 'dora', '--env', 'production']);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(await prodBody(server, 'dora'), 'v1');

  const prod = await server.json<Dora>(['dora', 'dora', '--json']);
  assert.equal(prod.environment, 'production', 'production by default');
  // Deploys: releases 1 and 2 (release 3 is release 1 put back), over 30 days.
  assert.deepEqual(prod.deploymentFrequency, { perDay: 2 / 30, deploys: 2 });
  // Release 2 was rolled back: 1 failed of 2; restored once, by release 3.
  assert.deepEqual(prod.changeFailureRate, { ratio: 0.5, failed: 1, total: 2 });
  assert.equal(prod.timeToRestore.incidents, 1);
  assert.ok(prod.timeToRestore.p50Seconds !== null && prod.timeToRestore.p50Seconds >= 0 && prod.timeToRestore.p50Seconds < 120, JSON.stringify(prod));
  // Both commits have a committer time (git's, whole seconds) before they went live.
  const { p50Seconds, p90Seconds } = prod.leadTimeForChanges;
  assert.ok(p50Seconds !== null && p90Seconds !== null && p50Seconds >= 0 && p90Seconds >= p50Seconds && p90Seconds < 600, JSON.stringify(prod));

  const staging = await server.json<Dora>(['dora', 'dora', '--env', 'staging', '--since', '7d', '--json']);
  assert.deepEqual(staging.deploymentFrequency, { perDay: 2 / 7, deploys: 2 });
  assert.deepEqual(staging.changeFailureRate, { ratio: 0, failed: 0, total: 2 });
  assert.deepEqual(staging.timeToRestore, { p50Seconds: null, incidents: 0 });

  const human = await server.cli(['dora', 'dora']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /deployment frequency\s+0\.07 a day\s+2 deploys/);
  assert.match(human.stdout, /change failure rate\s+50 %\s+1 of 2 changes/);

  const unknownEnv = await server.cli(['dora', 'dora', '--env', 'prod']);
  assert.equal(unknownEnv.code, 1);
  assert.match(unknownEnv.stderr, /project dora has no environment prod \(it has: .*production/);
  const badSince = await server.cli(['dora', 'dora', '--since', 'a month']);
  assert.equal(badSince.code, 1);
  assert.match(badSince.stderr, /since: invalid duration "a month"/);
  assert.doesNotMatch(badSince.stderr, /\n\s+at /, 'a message, not a stack trace');
});
