// `triggers` in sluice.yaml decide which pushes run: branch patterns (default: the tracked
// branch), path filters over the files the push lists, tag patterns. Pushes that do not match
// are answered 202 like any other and then ignored with a logged reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prodBody } from './fixtures.ts';
import { commitOn, hookAppFiles, hookProject, postHook, pushDelivery, runsOf, waitHookOutcome, waitRunEnded } from './hooks-kit.ts';

const TRIGGERS = "triggers:\n  branches: ['main', 'release/*']\n  paths: ['app/**', 'VERSION']\n  tags: ['v*']\n";

void test('triggers: branches, paths and tags decide which webhook pushes run', async (t) => {
  const name = 'hk-triggers';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', TRIGGERS));
  const ran = async (sha: string): Promise<number> => (await runsOf(server, name)).filter((r) => r.commit === sha).length;
  const push = async (host: 'github' | 'gitlab' | 'bitbucket' | 'gitea', id: string, ref: string, after: string, paths: string[]): Promise<void> => {
    const a = await postHook(server, host, name, pushDelivery(host, secret, { ref, after, paths }, { deliveryId: id }));
    assert.equal(a.status, 202, `${id}: ${JSON.stringify(a.body)}`);
  };

  // A branch that matches no pattern: nothing runs, even though app/ changed.
  const feature = commitOn(repo, 'feature', { 'app/x.txt': 'feature\n' });
  await push('bitbucket', 'branch-feature', 'refs/heads/feature', feature, ['app/x.txt']);
  assert.match(await waitHookOutcome(server, 'branch-feature'), /ignored: branch feature is not one that deploys/);
  assert.equal(await ran(feature), 0);

  // main, but only docs/ changed: no path matches, nothing runs.
  const docs = repo.commit('docs only', { 'docs/guide.md': '# guide\n' });
  await push('github', 'docs-only', 'refs/heads/main', docs, ['docs/guide.md']);
  assert.match(await waitHookOutcome(server, 'docs-only'), /ignored: no changed path matches triggers.paths/);
  assert.equal(await ran(docs), 0);

  // main with a change under app/ (and docs): runs.
  const app = repo.commit('app change', { 'app/x.txt': 'x\n', VERSION: 'v2\n' });
  await push('gitlab', 'app-change', 'refs/heads/main', app, ['docs/guide.md', 'app/x.txt']);
  const appRun = await waitRunEnded(server, name, app);
  assert.equal(appRun.state, 'succeeded', JSON.stringify(appRun));
  assert.equal(appRun.trigger, 'webhook:gitlab');
  assert.equal(await prodBody(server, name), 'v2');

  // Another branch matching `release/*` with a matching path: runs.
  const release = commitOn(repo, 'release/1.2', { 'app/y.txt': 'y\n' });
  await push('gitea', 'release-branch', 'refs/heads/release/1.2', release, ['app/y.txt']);
  const releaseRun = await waitRunEnded(server, name, release);
  assert.equal(releaseRun.state, 'succeeded', JSON.stringify(releaseRun));

  // Tags: `v*` runs, another tag does not.
  const tagged = repo.commit('v3', { VERSION: 'v3\n' });
  repo.git('tag', 'v3.0.0');
  repo.git('tag', 'nightly-1');
  await push('bitbucket', 'tag-nightly', 'refs/tags/nightly-1', tagged, []);
  assert.match(await waitHookOutcome(server, 'tag-nightly'), /ignored: tag nightly-1 matches no triggers.tags/);
  assert.equal(await ran(tagged), 0);
  await push('gitea', 'tag-v3', 'refs/tags/v3.0.0', tagged, []);
  const tagRun = await waitRunEnded(server, name, tagged);
  assert.equal(tagRun.state, 'succeeded', JSON.stringify(tagRun));
  assert.equal(tagRun.trigger, 'webhook:gitea');
  assert.equal(await prodBody(server, name), 'v3');

  // Nothing else ran along the way.
  const runs = await runsOf(server, name);
  assert.deepEqual(
    runs.map((r) => r.commit).sort(),
    [repo.git('rev-list', '--max-parents=0', 'HEAD'), app, release, tagged].sort(),
    JSON.stringify(runs.map((r) => [r.number, r.commit.slice(0, 8), r.trigger])),
  );
});

void test('a main push the path filter ignores is not run by the poller either (a restart polls at once)', async (t) => {
  const name = 'hk-seen';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', "triggers:\n  paths: ['app/**']\n"));
  const docs = repo.commit('docs only', { 'docs/guide.md': '# guide\n' });
  assert.equal((await postHook(server, 'github', name, pushDelivery('github', secret, { ref: 'refs/heads/main', after: docs, paths: ['docs/guide.md'] }, { deliveryId: 'docs' }))).status, 202);
  assert.match(await waitHookOutcome(server, 'docs'), /ignored: no changed path matches/);
  // The poller runs at start: the head it finds was seen (and judged) by the webhook already.
  await server.stopGracefully();
  await server.launch();
  await server.waitFor('a poll after the restart', async () => (await server.cli(['runs', name])).code === 0);
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual((await runsOf(server, name)).filter((r) => r.commit === docs), []);
});
