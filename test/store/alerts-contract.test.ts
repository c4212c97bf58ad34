// The Store's alert records (src/alerts/alert-records.ts), on every implementation: a state
// written by one server is read by another (a restart keeps it), replaced on each change with
// its change appended, fractional figures kept, the history newest first, stored JSON checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertChange, AlertStateRecord } from '../../src/alerts/alert-records.ts';
import { StoredDataError } from '../../src/store/stored-json.ts';
import { at, describeStoreContract } from './store-fixtures.ts';


function change(name: string, from: AlertChange['from'], to: AlertChange['to'], seconds: number, overrides: Partial<AlertChange> = {}): AlertChange {
  return { project: 'p', environment: 'production', name, at: at(seconds), from, to, metric: 'errorRate', comparison: 'above', value: 0.3125, threshold: 0.02, windowMs: 10_000, samples: 1843, release: 7, reason: 'errorRate 31.25% > 2.00% over 10s (1843 requests)', ...overrides };
}

function state(name: string, c: AlertChange, overrides: Partial<AlertStateRecord> = {}): AlertStateRecord {
  return { project: c.project, environment: c.environment, name, state: c.to, since: c.at, value: c.value, threshold: c.threshold, samples: c.samples, rolledBackRelease: null, lastChange: c, ...overrides };
}

await describeStoreContract('Store alerts contract', (stores) => {
  void test('a state written by one server is read back whole by another, then replaced by the next change', async () => {
    const { a, b } = stores();
    const pending = change('errors', 'ok', 'pending', 10);
    await a.putAlertState(state('errors', pending), pending);
    assert.deepEqual(await b.listAlertStates({ project: 'p' }), [state('errors', pending)]);
    const firing = change('errors', 'pending', 'firing', 40, { value: 0.287 });
    await b.putAlertState(state('errors', firing, { rolledBackRelease: 7 }), firing);
    const [read] = await a.listAlertStates({ project: 'p', environment: 'production' });
    assert.deepEqual(read, state('errors', firing, { rolledBackRelease: 7 }));
    assert.equal((await a.listAlertStates({ project: 'p' })).length, 1);
  });

  void test('a state without a change writes no history; null figures are kept as null', async () => {
    const { a } = stores();
    const quiet = state('silent', change('silent', 'ok', 'inconclusive', 5, { metric: 'requests', comparison: 'below', value: null, samples: 0 }), { value: null, samples: 0 });
    await a.putAlertState(quiet);
    assert.deepEqual(await a.listAlertStates({}), [quiet]);
    assert.deepEqual(await a.listAlertChanges({ project: 'p', limit: 10 }), []);
  });

  void test('states and changes filter by project, environment and alert; changes come newest first', async () => {
    const { a } = stores();
    for (const c of [change('errors', 'ok', 'pending', 1), change('errors', 'pending', 'firing', 2), change('slow', 'ok', 'pending', 3, { metric: 'p99', threshold: 800, value: 1200 }), change('errors', 'ok', 'pending', 4, { environment: 'staging' }), change('errors', 'ok', 'pending', 5, { project: 'q' })]) await a.putAlertState(state(c.name, c), c);
    assert.deepEqual((await a.listAlertStates({ project: 'p', environment: 'production' })).map((s) => `${s.name}:${s.state}`), ['errors:firing', 'slow:pending']);
    assert.deepEqual((await a.listAlertStates({ project: 'p' })).map((s) => `${s.environment}/${s.name}`), ['production/errors', 'production/slow', 'staging/errors']);
    assert.deepEqual((await a.listAlertChanges({ project: 'p', environment: 'production', name: 'errors', limit: 10 })).map((c) => c.to), ['firing', 'pending']);
    assert.deepEqual((await a.listAlertChanges({ project: 'p', limit: 2 })).map((c) => c.at), [at(4), at(3)]);
  });

  void test('a stored change that no longer matches its shape is a stored-data error naming the alert', async () => {
    const { a } = stores();
    const c = change('errors', 'ok', 'pending', 1);
    // As another version (or a hand edit) might have written it: the store itself does not check on the way in.
    await a.putAlertState(state('errors', c, { lastChange: { ...c, to: 'exploded' } as unknown as AlertChange }));
    await assert.rejects(a.listAlertStates({ project: 'p' }), (e: unknown) => e instanceof StoredDataError && e.message.includes('alert p/production/errors'));
  });
});
