// The Store's flag records (src/flags/flag-records.ts), on every implementation: a state written
// by one server is read by another, replaced only by a writer that saw the stored version
// (compare-and-set), its changes appended in the same transaction and listed newest first per
// flag, removal of an environment, stored JSON checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlagChange, FlagEnvironmentState } from '../../src/flags/flag-records.ts';
import { StoredDataError } from '../../src/store/stored-json.ts';
import { at, describeStoreContract } from './store-fixtures.ts';

function state(version: number, overrides: Partial<FlagEnvironmentState> = {}): FlagEnvironmentState {
  return {
    project: 'p',
    environment: 'production',
    version,
    release: 3,
    definitions: {
      flags: { checkout: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 25], ['off', 75]] } } },
      evaluators: { beta: { in: ['@example.com', { var: 'email' }] } },
      clientFlags: ['checkout'],
    },
    archived: { old: { definition: { state: 'DISABLED', variants: { a: 'x' }, defaultVariant: null }, archivedAt: at(1), release: 2 } },
    overrides: { checkout: { state: 'ENABLED', defaultVariant: 'on', targeting: {} } },
    updatedAt: at(version),
    ...overrides,
  };
}

function change(key: string, version: number, overrides: Partial<FlagChange> = {}): FlagChange {
  return {
    project: 'p', environment: 'production', key, version, at: at(version), actor: 'alice', action: 'set', release: 3,
    before: { definition: null, override: null, archived: false },
    after: { definition: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }, override: { defaultVariant: 'on' }, archived: false },
    summary: '--on', ...overrides,
  };
}

await describeStoreContract('Store flags contract', (stores) => {
  void test('a state written by one server is read back whole by another; a second first write loses', async () => {
    const { a, b } = stores();
    assert.equal(await a.getFlagState('p', 'production'), undefined);
    assert.equal(await a.putFlagState(state(1), null, [change('checkout', 1, { action: 'define', actor: 'release 3' })]), true);
    assert.deepEqual(await b.getFlagState('p', 'production'), state(1));
    assert.equal(await b.putFlagState(state(1), null, []), false);
    assert.deepEqual(await b.listFlagStates(), [state(1)]);
  });

  void test('compare-and-set on the version: a writer that saw an older version changes nothing', async () => {
    const { a, b } = stores();
    await a.putFlagState(state(1), null, []);
    assert.equal(await a.putFlagState(state(2, { overrides: {} }), 1, [change('checkout', 2)]), true);
    assert.equal(await b.putFlagState(state(2, { release: 9 }), 1, [change('checkout', 2, { actor: 'bob' })]), false);
    assert.deepEqual(await b.getFlagState('p', 'production'), state(2, { overrides: {} }));
    assert.deepEqual((await b.listFlagChanges({ project: 'p', environment: 'production', limit: 10 })).map((c) => c.actor), ['alice']);
  });

  void test('changes filter by environment and flag and come newest first; deleting an environment removes its state and changes', async () => {
    const { a } = stores();
    await a.putFlagState(state(1), null, [change('checkout', 1), change('banner', 1)]);
    await a.putFlagState(state(2), 1, [change('checkout', 2, { summary: '--off' })]);
    await a.putFlagState(state(1, { environment: 'pr-4' }), null, [change('checkout', 1, { environment: 'pr-4' })]);
    assert.deepEqual((await a.listFlagChanges({ project: 'p', environment: 'production', key: 'checkout', limit: 10 })).map((c) => `${c.version}:${c.summary}`), ['2:--off', '1:--on']);
    assert.deepEqual((await a.listFlagChanges({ project: 'p', environment: 'production', limit: 1 })).map((c) => c.version), [2]);
    await a.deleteFlagState('p', 'pr-4');
    assert.equal(await a.getFlagState('p', 'pr-4'), undefined);
    assert.deepEqual(await a.listFlagChanges({ project: 'p', environment: 'pr-4', limit: 10 }), []);
    assert.equal((await a.listFlagChanges({ project: 'p', environment: 'production', limit: 10 })).length, 3);
  });

  void test('a stored state that no longer matches its shape is a stored-data error naming the environment', async () => {
    const { a } = stores();
    await a.putFlagState(state(1, { overrides: { checkout: { state: 'HALF' } } } as unknown as Partial<FlagEnvironmentState>), null, []);
    await assert.rejects(a.getFlagState('p', 'production'), (e: unknown) => e instanceof StoredDataError && e.message.includes('flags of p/production'));
  });
});
