// For each git host, over real HTTP with the host's own payloads and signature scheme: a push
// to main deploys; a pull request opens a live preview at pr-N, a push to it updates the
// preview, and closing (or merging) it removes the preview's route and instances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prodBody } from './fixtures.ts';
import {
  commitOn,
  HOSTS,
  hookAppFiles,
  hookProject,
  instancesOf,
  postHook,
  prDelivery,
  previewGet,
  previewsOf,
  PREVIEWS_ON,
  pushDelivery,
  waitPreviewGone,
  waitRunEnded,
  type PrAction,
} from './hooks-kit.ts';

// GitHub and Gitea close with `merged`, GitLab and Bitbucket decline: both endings are covered.
const ENDING: Record<(typeof HOSTS)[number], PrAction> = { github: 'merged', gitlab: 'closed', bitbucket: 'merged', gitea: 'closed' };

for (const host of HOSTS) {
  void test(`${host}: a signed push deploys; a signed pull request opens, updates and removes its preview`, async (t) => {
    const name = `hk-${host}`;
    const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', PREVIEWS_ON));

    // A push of a new commit on main → a run triggered by the webhook, live in production.
    const before = repo.head();
    const v2 = repo.commit('v2', { VERSION: 'v2\n' });
    const pushed = await postHook(server, host, name, pushDelivery(host, secret, { ref: 'refs/heads/main', before, after: v2, paths: ['VERSION'] }));
    assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
    assert.equal(pushed.body.status, 'accepted');
    const run = await waitRunEnded(server, name, v2);
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
    assert.equal(run.trigger, `webhook:${host}`);
    assert.equal(await prodBody(server, name), 'v2');

    // A pull request from `feature` → preview pr-7 answers the feature's VERSION.
    const number = 7;
    const f1 = commitOn(repo, 'feature', { VERSION: 'feature-1\n' });
    const opened = await postHook(server, host, name, prDelivery(host, secret, { action: 'opened', number, headSha: f1, headRef: 'feature' }));
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    const previewRun = await waitRunEnded(server, name, f1);
    assert.equal(previewRun.state, 'succeeded', JSON.stringify(previewRun));
    assert.equal(previewRun.trigger, `webhook:${host}`);
    assert.deepEqual(await previewGet(server, number, name), { status: 200, body: 'feature-1' });
    const listed = await previewsOf(server, name);
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.equal(listed[0]?.name, `pr-${number}`);
    assert.equal(listed[0]?.pullRequest, number);
    assert.equal(listed[0]?.commit, f1, 'the preview lists the head commit (in full)');
    assert.equal(listed[0]?.url, `http://pr-${number}.${name}.localhost:${server.routerPort}`);
    // Production is untouched by the preview.
    assert.equal(await prodBody(server, name), 'v2');

    // New commits on the pull request + the host's update event → the preview serves them.
    const f2 = commitOn(repo, 'feature', { VERSION: 'feature-2\n' });
    const updated = await postHook(server, host, name, prDelivery(host, secret, { action: 'updated', number, headSha: f2, headRef: 'feature', oldSha: f1 }));
    assert.equal(updated.status, 202, JSON.stringify(updated.body));
    const updateRun = await waitRunEnded(server, name, f2);
    assert.equal(updateRun.state, 'succeeded', JSON.stringify(updateRun));
    assert.deepEqual(await previewGet(server, number, name), { status: 200, body: 'feature-2' });
    assert.equal((await previewsOf(server, name))[0]?.commit, f2);
    assert.ok((await instancesOf(server, name, `pr-${number}`)).length > 0, 'the preview has instances');

    // Closed or merged → no route, no instances, no preview listed; production still serves.
    const closed = await postHook(server, host, name, prDelivery(host, secret, { action: ENDING[host], number, headSha: f2, headRef: 'feature' }));
    assert.equal(closed.status, 202, JSON.stringify(closed.body));
    await waitPreviewGone(server, name, number);
    assert.deepEqual(await previewsOf(server, name), []);
    assert.equal(await prodBody(server, name), 'v2');
  });
}
