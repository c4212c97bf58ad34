// The poller applies the commit's own `triggers.paths`, as webhooks do: a monorepo project runs
// only when its files change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestRepo, TestServer, type RunJson } from './harness.ts';

const pipeline = `build:
  - run: echo building
test:
  - run: "true"
triggers:
  paths: ['app/**']
`;

void test('polling skips a commit that changes no path of triggers.paths, and runs one that does', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': pipeline, 'app/main.sh': 'echo 1\n', 'docs/readme.md': 'v1\n' });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  assert.equal((await server.cli(['project', 'add', 'mono', '--repo', repo.dir])).code, 0);
  const first = await server.waitRun('mono', repo.head());
  assert.equal(first.state, 'succeeded');
  const docsOnly = repo.commit('docs only', { 'docs/readme.md': 'v2\n' });
  // The poller has seen the commit once it says it skips it; then no run of it may exist.
  await server.waitFor('the poller to skip the docs-only commit', async () => server.log.includes(`commit ${docsOnly.slice(0, 12)} changes no path of triggers.paths: no run`), 30_000);
  const runs = await server.json<RunJson[]>(['runs', 'mono']);
  assert.ok(!runs.some((r) => r.commit === docsOnly), `a docs-only commit got a run: ${JSON.stringify(runs.map((r) => r.commit))}`);
  const appChange = repo.commit('app change', { 'app/main.sh': 'echo 2\n' });
  const run = await server.waitRun('mono', appChange);
  assert.equal(run.state, 'succeeded');
  assert.equal(run.trigger, 'poll');
});
