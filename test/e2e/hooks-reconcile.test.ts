// The preview reconciler, run at every start: it knows pull requests from the events it
// received and branches from the repository. A pull request whose close event was lost but
// whose branch is gone loses its preview; one whose branch still exists keeps it (nothing says
// it closed); an open pull request whose preview run was cancelled gets its preview back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { versionGates } from './fixtures.ts';
import {
  commitOn,
  hookAppFiles,
  hookProject,
  instancesOf,
  postHook,
  prDelivery,
  previewGet,
  previewsOf,
  PREVIEWS_ON,
  waitPreviewGone,
  waitRunEnded,
} from './hooks-kit.ts';
import { terminal } from './harness.ts';

void test('reconciler at start: a lost close with the branch deleted removes the preview; an open one stays', async (t) => {
  const name = 'hk-reconcile';
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', PREVIEWS_ON));
  const open = async (number: number, branch: string, version: string): Promise<string> => {
    const sha = commitOn(repo, branch, { VERSION: `${version}\n` });
    assert.equal((await postHook(server, 'github', name, prDelivery('github', secret, { action: 'opened', number, headSha: sha, headRef: branch }))).status, 202);
    assert.equal((await waitRunEnded(server, name, sha)).state, 'succeeded');
    assert.deepEqual(await previewGet(server, number, name), { status: 200, body: version });
    return sha;
  };
  await open(11, 'gone-branch', 'eleven');
  const kept = await open(12, 'kept-branch', 'twelve');

  assert.equal((await previewsOf(server, name)).length, 2);
  // #11 was merged and its branch deleted, but the close event never arrived. (Deleted after
  // the count: the periodic pass, every 60 s, may remove #11 from here on, which is fine.)
  repo.git('branch', '-D', 'gone-branch');
  await server.stopGracefully();
  await server.launch();

  await waitPreviewGone(server, name, 11);
  assert.match(server.log, /branch gone-branch of pull request #11 is gone/);
  // #12's branch is there and no event closed it: its preview stays, untouched.
  const list = await previewsOf(server, name);
  assert.deepEqual(list.map((p) => [p.pullRequest, p.commit]), [[12, kept]]);
  assert.deepEqual(await previewGet(server, 12, name), { status: 200, body: 'twelve' });
  assert.ok((await instancesOf(server, name, 'pr-12')).length > 0);
});

void test('reconciler at start: an open pull request whose preview run was cancelled gets its preview', async (t) => {
  const name = 'hk-recreate';
  // The pull request's build waits at its gate: it is certain to be running when cancelled.
  const gates = await versionGates(t, ['v1']);
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', PREVIEWS_ON, { build: gates.step }));
  const slow = commitOn(repo, 'slow', { VERSION: 'slow\n' });
  assert.equal((await postHook(server, 'gitea', name, prDelivery('gitea', secret, { action: 'opened', number: 21, headSha: slow, headRef: 'slow' }))).status, 202);
  const running = await server.waitFor('the preview run running', async () => (await server.json<Array<{ id: string; commit: string; state: string }>>(['runs', name])).find((r) => r.commit === slow && r.state === 'running'));
  const cancelled = await server.cli(['cancel', running.id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  // That run by its id: on a slow machine the periodic pass (every 60 s) may already have
  // started another run of the head, held at the same closed gate.
  const ended = await server.waitFor('the cancelled run to end', async () => {
    const r = await server.json<{ state: string }>(['run', running.id]);
    return terminal.has(r.state) ? r : undefined;
  });
  assert.equal(ended.state, 'cancelled');
  // The gate is closed: no run of the head can have deployed.
  assert.equal((await previewGet(server, 21, name)).status, 404, 'no preview was deployed');

  // The pull request is still open: the reconciler at the next start deploys its head.
  await server.stopGracefully();
  await server.launch();
  gates.open('slow');
  await server.waitFor(
    'pr-21 deployed by the reconciler',
    async () => {
      const r = await previewGet(server, 21, name);
      return r.status === 200 && r.body === 'slow';
    },
    60_000,
  );
  const runs = (await server.json<Array<{ commit: string; state: string; trigger: string }>>(['runs', name])).filter((r) => r.commit === slow);
  const states = runs.map((r) => [r.state, r.trigger]);
  assert.deepEqual(states[0], ['succeeded', 'reconcile'], JSON.stringify(states));
  assert.deepEqual(states.at(-1), ['cancelled', 'webhook:gitea'], JSON.stringify(states));
  // Any run in between is the periodic pass's, ended by the restart or superseded.
  for (const [, trigger] of states.slice(1, -1)) assert.equal(trigger, 'reconcile', JSON.stringify(states));
  assert.deepEqual((await previewsOf(server, name)).map((p) => [p.pullRequest, p.commit]), [[21, slow]]);
});
