// The Store's named leases on every implementation, two servers on one store: one holder at a
// time, renewed by its owner, taken when lapsed or from a holder known dead, freed on release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, describeStoreContract } from './store-fixtures.ts';

await describeStoreContract('Store leases contract', (stores) => {
  void test('one holder at a time; the owner renews; another takes it once lapsed', async () => {
    const { a, b } = stores();
    assert.equal(await a.acquireLease('alerts', 'a', at(10), at(0)), true);
    assert.equal(await b.acquireLease('alerts', 'b', at(11), at(1)), false, 'held by a');
    assert.deepEqual(await b.getLease('alerts'), { name: 'alerts', owner: 'a', expiresAt: at(10) });
    assert.equal(await a.acquireLease('alerts', 'a', at(15), at(5)), true, 'renewed');
    assert.equal(await b.acquireLease('alerts', 'b', at(20), at(12)), false, 'the renewal holds');
    assert.equal(await b.acquireLease('alerts', 'b', at(26), at(16)), true, 'lapsed');
    assert.equal(await a.acquireLease('alerts', 'a', at(27), at(17)), false, 'a lost it');
    assert.equal(await a.acquireLease('other', 'a', at(27), at(17)), true, 'leases are per name');
  });

  void test('a holder known dead is taken over at once; a release frees the lease for the next', async () => {
    const { a, b } = stores();
    assert.equal(await a.acquireLease('alerts', 'a', at(10), at(0)), true);
    assert.equal(await b.acquireLease('alerts', 'b', at(11), at(1), 'someone else'), false);
    assert.equal(await b.acquireLease('alerts', 'b', at(11), at(1), 'a'), true);
    await a.releaseLease('alerts', 'a');
    assert.equal((await a.getLease('alerts'))?.owner, 'b', 'only the holder frees it');
    await b.releaseLease('alerts', 'b');
    assert.equal(await a.getLease('alerts'), undefined);
    assert.equal(await a.acquireLease('alerts', 'a', at(12), at(2)), true);
  });

  void test('two servers racing for a free lease: exactly one gets it', async () => {
    const { a, b } = stores();
    for (let i = 0; i < 5; i++) {
      const name = `race-${i}`;
      const got = await Promise.all([a.acquireLease(name, 'a', at(10), at(0)), b.acquireLease(name, 'b', at(10), at(0))]);
      assert.equal(got.filter(Boolean).length, 1, JSON.stringify(got));
    }
  });
});
