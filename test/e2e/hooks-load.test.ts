// Hundreds of deliveries at once: 200 signed pushes of the same commit, each with its own
// delivery id (as when several hooks or hosts mirror one repository), from all four hosts
// concurrently. One run for the commit; every delivery answered; the API stays responsive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prodBody } from './fixtures.ts';
import { HOSTS, hookAppFiles, hookProject, postHook, pushDelivery, runsOf, waitHookOutcome, waitRunEnded, type HookAnswer } from './hooks-kit.ts';

void test('200 concurrent signed pushes of one commit: exactly one run, all answered, the server responsive', async (t) => {
  const name = 'hk-burst';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1'));
  const before = repo.head();
  const v2 = repo.commit('v2', { VERSION: 'v2\n' });

  const healthTimes: number[] = [];
  let bursting = true;
  const probe = (async () => {
    while (bursting) {
      const began = performance.now();
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      healthTimes.push(performance.now() - began);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const answers: HookAnswer[] = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const host = HOSTS[i % HOSTS.length]!;
      return postHook(server, host, name, pushDelivery(host, secret, { ref: 'refs/heads/main', before, after: v2, paths: ['VERSION'] }, { deliveryId: `burst-${i}` }));
    }),
  );
  bursting = false;
  await probe;

  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  assert.deepEqual([...statuses], [[202, 200]], 'every delivery accepted');
  const slowest = Math.max(...answers.map((a) => a.ms));
  t.diagnostic(`200 concurrent deliveries: slowest answer ${slowest.toFixed(0)} ms; health probes ${healthTimes.length}, slowest ${Math.max(...healthTimes).toFixed(0)} ms`);

  // All 200 worked through (the last one's outcome is logged), then: one run of v2.
  await waitHookOutcome(server, 'burst-199', 120_000);
  await server.waitFor('every burst delivery handled', async () => answers.every((_, i) => server.log.includes(` burst-${i} for `)), 60_000);
  const run = await waitRunEnded(server, name, v2);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  const ofV2 = (await runsOf(server, name)).filter((r) => r.commit === v2);
  assert.equal(ofV2.length, 1, JSON.stringify(ofV2.map((r) => [r.number, r.state, r.trigger])));
  assert.equal(await prodBody(server, name), 'v2');
  // And the server still answers its API and new hooks.
  const after = await postHook(server, 'github', name, pushDelivery('github', secret, { ref: 'refs/heads/zz-other', after: v2 }, { deliveryId: 'after-burst' }));
  assert.equal(after.status, 202);
  assert.match(await waitHookOutcome(server, 'after-burst'), /ignored/);
});
