// Webhooks that must do nothing, over real HTTP: forged signatures, replays, malformed JSON,
// unknown projects and events, bodies over the 1 MiB limit. Every answer is timed: the issue
// asks each webhook to be answered within a second, its work following from the queue.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { GitHost } from '../../src/hooks/hook-types.ts';
import { prodBody } from './fixtures.ts';
import type { TestServer } from './harness.ts';
import {
  HOSTS,
  hookAppFiles,
  hookProject,
  postHook,
  pushDelivery,
  runsOf,
  signedDelivery,
  UNKNOWN_EVENT,
  waitHookOutcome,
  waitRunEnded,
  type Delivery,
  type HookAnswer,
} from './hooks-kit.ts';

const PUSH_EVENT: Record<GitHost, string> = { github: 'push', gitlab: 'Push Hook', bitbucket: 'repo:push', gitea: 'push' };

/** Posts and keeps the answer time, so a test can check every answer came within a second. */
function timed(server: TestServer, times: number[]) {
  return async (host: string, project: string, d: Delivery): Promise<HookAnswer> => {
    const a = await postHook(server, host, project, d);
    times.push(a.ms);
    return a;
  };
}

/**
 * Accepted hooks are worked on one after another, so once a later delivery's outcome is logged,
 * everything accepted before it was handled: a barrier before asserting that nothing happened.
 */
async function drainHookQueue(post: ReturnType<typeof timed>, server: TestServer, host: GitHost, name: string, secret: string, sha: string): Promise<void> {
  const id = `barrier-${Math.random().toString(16).slice(2)}`;
  const a = await post(host, name, pushDelivery(host, secret, { ref: 'refs/heads/zz-not-deployed', after: sha }, { deliveryId: id }));
  assert.equal(a.status, 202, JSON.stringify(a.body));
  assert.match(await waitHookOutcome(server, id), /ignored: branch zz-not-deployed/);
}

function reportTimes(t: TestContext, times: number[]): void {
  const max = Math.max(...times);
  t.diagnostic(`${times.length} webhook answers, slowest ${max.toFixed(1)} ms`);
  // The contract (answer within a second, work afterwards), not a benchmark.
  assert.ok(max < 1000, `a webhook took ${max.toFixed(0)} ms to answer: ${times.map((x) => x.toFixed(0)).join(', ')}`);
}

void test('forged signatures answer 401 and start nothing; a replayed delivery answers 200 duplicate and runs nothing twice', async (t) => {
  const name = 'hk-forged';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1'));
  const times: number[] = [];
  const post = timed(server, times);
  const v1 = repo.head();
  const v2 = repo.commit('v2', { VERSION: 'v2\n' });

  for (const host of HOSTS) {
    // The project's secret is not the key: signed with another one, or not signed at all.
    const forged = await post(host, name, pushDelivery(host, secret, { ref: 'refs/heads/main', before: v1, after: v2 }, { signWith: 'whsec_Zm9yZ2VkLWJ5LXNvbWVvbmUtZWxzZS0zMi1ieXRlcyE=' }));
    assert.equal(forged.status, 401, `${host}: ${JSON.stringify(forged.body)}`);
    assert.equal(forged.body.code, 'unauthenticated');
    const unsigned = pushDelivery(host, secret, { ref: 'refs/heads/main', before: v1, after: v2 });
    for (const h of ['x-hub-signature-256', 'x-hub-signature', 'x-gitea-signature', 'webhook-signature']) delete unsigned.headers[h];
    assert.equal((await post(host, name, unsigned)).status, 401, `${host} without a signature`);
    // A body changed after signing (same signature header) is a forgery too.
    const tampered = pushDelivery(host, secret, { ref: 'refs/heads/main', before: v1, after: v2 });
    assert.equal((await post(host, name, { ...tampered, body: Buffer.from(tampered.body.toString().replaceAll(v2, v1)) })).status, 401, `${host} tampered`);
  }
  await drainHookQueue(post, server, 'github', name, secret, v1);
  assert.equal((await runsOf(server, name)).filter((r) => r.commit === v2).length, 0, 'a forged push started a run');

  // The genuine delivery runs; its redeliveries (at once, and after the run ended) do not.
  const delivery = pushDelivery('github', secret, { ref: 'refs/heads/main', before: v1, after: v2 }, { deliveryId: 'delivery-once' });
  const first = await post('github', name, delivery);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  const again = await post('github', name, delivery);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { status: 'duplicate', deliveryId: 'delivery-once' });
  const run = await waitRunEnded(server, name, v2);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.equal(await prodBody(server, name), 'v2');
  // Each host's own delivery id header de-duplicates (a push the triggers ignore, then its replay).
  for (const host of HOSTS) {
    const d = pushDelivery(host, secret, { ref: 'refs/heads/zz-not-deployed', after: v1 }, { deliveryId: `replayed-${host}` });
    assert.equal((await post(host, name, d)).status, 202, host);
    const replay = await post(host, name, d);
    assert.equal(replay.status, 200, `${host}: ${JSON.stringify(replay.body)}`);
    assert.deepEqual(replay.body, { status: 'duplicate', deliveryId: `replayed-${host}` });
  }
  // The same id from another host is not a replay (ids are per host).
  assert.equal((await post('gitea', name, pushDelivery('gitea', secret, { ref: 'refs/heads/zz-not-deployed', after: v1 }, { deliveryId: 'delivery-once' }))).status, 202);
  assert.equal((await post('github', name, delivery)).body.status, 'duplicate', 'replayed after its run ended');
  await drainHookQueue(post, server, 'gitea', name, secret, v1);
  const ofV2 = (await runsOf(server, name)).filter((r) => r.commit === v2);
  assert.equal(ofV2.length, 1, JSON.stringify(ofV2.map((r) => [r.number, r.state, r.trigger])));
  reportTimes(t, times);
});

void test('malformed JSON 400, unknown project or host 404, unknown event ignored with 200, over 1 MiB 413: nothing runs', async (t) => {
  const name = 'hk-bad';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1'));
  const times: number[] = [];
  const post = timed(server, times);
  const v1 = repo.head();
  const v2 = repo.commit('v2', { VERSION: 'v2\n' });
  const runsBefore = (await runsOf(server, name)).length;

  for (const host of HOSTS) {
    const malformed = await post(host, name, signedDelivery(host, PUSH_EVENT[host], Buffer.from(`{"ref": "refs/heads/main", "after": "${v2}",`), secret));
    assert.equal(malformed.status, 400, `${host}: ${JSON.stringify(malformed.body)}`);
    assert.equal(malformed.body.code, 'invalid_input');
    assert.match(malformed.body.message ?? '', /not valid JSON/);
    // Valid JSON without the fields a push needs is a 400 too, naming the field.
    const fieldless = await post(host, name, signedDelivery(host, PUSH_EVENT[host], Buffer.from('{"hello":"world"}'), secret));
    assert.equal(fieldless.status, 400, `${host}: ${JSON.stringify(fieldless.body)}`);

    const noProject = await post(host, 'no-such-project', pushDelivery(host, secret, { ref: 'refs/heads/main', before: v1, after: v2 }));
    assert.equal(noProject.status, 404, `${host}: ${JSON.stringify(noProject.body)}`);
    assert.equal(noProject.body.code, 'not_found');

    const unknown = await post(host, name, signedDelivery(host, UNKNOWN_EVENT[host], Buffer.from('{"action":"opened","issue":{"number":1}}'), secret));
    assert.equal(unknown.status, 200, `${host}: ${JSON.stringify(unknown.body)}`);
    assert.equal(unknown.body.status, 'ignored');
    assert.match(unknown.body.reason ?? '', /not handled/);
    assert.ok(server.log.includes(`webhook ${host} for ${name} ignored`), `${host}: the ignored event is logged`);

    // Over the limit: 413 before any signature or JSON is looked at. Just under it: accepted.
    const pad = (size: number): Buffer => {
      const head = `{"ref":"refs/heads/zz-big","before":"${v1}","after":"${v1}","commits":[],"pad":"`;
      return Buffer.from(`${head}${'x'.repeat(size - head.length - 2)}"}`);
    };
    const tooBig = await post(host, name, signedDelivery(host, PUSH_EVENT[host], pad(1024 * 1024 + 1), secret));
    assert.equal(tooBig.status, 413, `${host}: ${JSON.stringify(tooBig.body).slice(0, 300)}`);
    if (host !== 'bitbucket') {
      // (Bitbucket's push shape differs; the size check is the same route for all four.)
      const fits = await post(host, name, signedDelivery(host, PUSH_EVENT[host], pad(1024 * 1024 - 16), secret));
      assert.equal(fits.status, 202, `${host}: ${JSON.stringify(fits.body).slice(0, 300)}`);
    }
  }
  assert.equal((await post('svn', name, pushDelivery('github', secret, { ref: 'refs/heads/main', after: v2 }))).status, 404, 'an unknown host');

  await drainHookQueue(post, server, 'github', name, secret, v1);
  const runs = await runsOf(server, name);
  assert.equal(runs.length, runsBefore, JSON.stringify(runs.map((r) => [r.number, r.commit.slice(0, 8), r.trigger])));
  // The server still works: a good push after all that deploys.
  assert.equal((await post('gitea', name, pushDelivery('gitea', secret, { ref: 'refs/heads/main', before: v1, after: v2 }))).status, 202);
  assert.equal((await waitRunEnded(server, name, v2)).state, 'succeeded');
  assert.equal(await prodBody(server, name), 'v2');
  reportTimes(t, times);
});
