// The Store's flag rollouts (src/flags/flag-rollout-records.ts), on every implementation: a
// rollout written by one server is read by another; one active rollout per flag (a second is
// refused, nothing written; after the first ends a new one may start); updates, filters, and
// unknown states read back as coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlagRollout } from '../../src/flags/flag-rollout-records.ts';
import { ErrorCode, SluiceError } from '../../src/errors.ts';
import { at, describeStoreContract } from './store-fixtures.ts';

function rollout(id: string, overrides: Partial<FlagRollout> = {}): FlagRollout {
  return {
    id, project: 'p', environment: 'production', flag: 'checkout', variant: 'on', state: 'progressing', phase: 'start', step: 0,
    planJson: JSON.stringify({ steps: [5, 25, 100], pauseMs: 60_000, analysis: null, variants: ['on', 'off'], prior: null }),
    stepStartedAt: null, windowJson: null, looks: 0, decisionsJson: '[]', reason: null, promoteRequested: null, abortRequested: null, abortCause: null,
    startedBy: 'alice', createdAt: at(1), updatedAt: at(1), finishedAt: null, ...overrides,
  };
}

await describeStoreContract('Store flag rollouts contract', (stores) => {
  void test('a rollout written by one server is read whole by another, and is the latest of its flag', async () => {
    const { a, b } = stores();
    assert.equal(await a.createFlagRollout(rollout('r1')), true);
    assert.deepEqual(await b.getFlagRollout('r1'), rollout('r1'));
    assert.deepEqual(await b.latestFlagRollout('p', 'production', 'checkout'), rollout('r1'));
    assert.equal(await b.latestFlagRollout('p', 'production', 'banner'), undefined);
    assert.equal(await b.getFlagRollout('nope'), undefined);
  });

  void test('one active rollout per flag: a second is refused until the first ends; other flags and environments are free', async () => {
    const { a, b } = stores();
    assert.equal(await a.createFlagRollout(rollout('r1')), true);
    assert.equal(await b.createFlagRollout(rollout('r2', { createdAt: at(2) })), false, 'a second active rollout of the flag');
    assert.equal(await b.getFlagRollout('r2'), undefined, 'nothing written');
    assert.equal(await b.createFlagRollout(rollout('r3', { flag: 'banner' })), true);
    assert.equal(await b.createFlagRollout(rollout('r4', { environment: 'staging' })), true);
    await a.updateFlagRollout('r1', { state: 'paused', reason: 'waits' });
    assert.equal(await b.createFlagRollout(rollout('r5', { createdAt: at(3) })), false, 'paused is still active');
    await a.updateFlagRollout('r1', { state: 'aborted', phase: 'done', reason: 'errorRate failed', finishedAt: at(4) });
    assert.equal(await b.createFlagRollout(rollout('r6', { createdAt: at(5) })), true, 'the flag is free once its rollout ended');
    assert.equal((await b.latestFlagRollout('p', 'production', 'checkout'))?.id, 'r6');
    const active = await a.listFlagRollouts({ states: ['progressing', 'paused'] });
    assert.deepEqual(active.map((r) => r.id).sort(), ['r3', 'r4', 'r6']);
    assert.deepEqual((await a.listFlagRollouts({ project: 'p', environment: 'staging' })).map((r) => r.id), ['r4']);
    const ended = await a.getFlagRollout('r1');
    assert.deepEqual([ended?.state, ended?.phase, ended?.reason, ended?.finishedAt], ['aborted', 'done', 'errorRate failed', at(4)]);
  });

  void test('updates keep every field; a stored state outside the closed list is a coded error naming the rollout', async () => {
    const { a, b } = stores();
    await a.createFlagRollout(rollout('r1'));
    await a.updateFlagRollout('r1', { phase: 'step', step: 2, stepStartedAt: at(3), windowJson: '{}', looks: 4, decisionsJson: '[{"x":1}]', promoteRequested: 'full', abortRequested: 'by hand', abortCause: 'token:bob', updatedAt: at(3) });
    assert.deepEqual(await b.getFlagRollout('r1'), rollout('r1', { phase: 'step', step: 2, stepStartedAt: at(3), windowJson: '{}', looks: 4, decisionsJson: '[{"x":1}]', promoteRequested: 'full', abortRequested: 'by hand', abortCause: 'token:bob', updatedAt: at(3) }));
    await a.updateFlagRollout('r1', { state: 'halfway' as FlagRollout['state'] });
    await assert.rejects(b.getFlagRollout('r1'), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.illegalTransition && e.message.includes('flag rollout r1') && e.message.includes('halfway'));
  });
});
