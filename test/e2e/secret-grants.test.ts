// Secret grants end to end: a sluice.yaml may name only the groups granted to its project. An
// ungranted group fails the run at checkout, naming the group and the grant command; a grant
// (made before the project exists, too) lets the next run through; a revoked grant fails it
// again. Groups Sluice keeps for itself can be neither granted nor named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestRepo, TestServer } from './harness.ts';
import { grantSecrets, setSecret } from './secrets-kit.ts';

const spec = (groups: string): string => `buildSecrets: [${groups}]
build:
  - run: test -n "$TOOL_TOKEN" && echo "the build has its token"
`;

interface GroupJson {
  group: string;
  grantedTo: string[];
}

void test('an ungranted group fails the run at checkout with the grant command; a grant made before the project lets it through; revoking fails it again', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': spec('tools') });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  await setSecret(server, 'tools', 'TOOL_TOKEN', 'tool-token-value');
  await setSecret(server, 'other', 'KEY', 'other-value');
  // Granted to a project that is not added yet: allowed, and listed.
  await grantSecrets(server, 'app', ['tools']);
  assert.deepEqual(await server.json<GroupJson[]>(['secret', 'list']), [
    { group: 'other', grantedTo: [] },
    { group: 'tools', grantedTo: ['app'] },
  ]);
  const again = await server.json<{ created: boolean }>(['secret', 'grant', 'tools', '--project', 'app']);
  assert.equal(again.created, false, 'granting twice changes nothing');

  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);
  const first = await server.waitRun('app', repo.head(), 90_000);
  assert.equal(first.state, 'succeeded', JSON.stringify(first));

  // Another group, not granted: checkout fails and says how to grant it.
  const sha = repo.commit('use other', { 'sluice.yaml': spec('tools, other') });
  const refused = await server.waitRun('app', sha, 90_000);
  assert.equal(refused.state, 'failed');
  const checkout = refused.stages.find((s) => s.name === 'checkout');
  assert.equal(checkout?.state, 'failed', JSON.stringify(refused.stages));
  assert.match(checkout.reason ?? '', /secret group "other" is not granted to project app/);
  assert.match(checkout.reason ?? '', /`sluice secret grant other --project app`/);
  assert.equal(refused.stages.find((s) => s.name === 'build')?.state !== 'succeeded', true, 'no build ran');
  const logs = await server.cli(['logs', refused.id]);
  assert.match(logs.stdout, /sluice secret grant other --project app/);

  await grantSecrets(server, 'app', ['other']);
  const retried = await server.json<{ id: string }>(['trigger', 'app']);
  const ok = await server.waitFor('the run after the grant', async () => {
    const r = await server.json<{ state: string }>(['run', retried.id]);
    return ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  }, 90_000);
  assert.equal(ok.state, 'succeeded');

  // Revoked: the next run fails at checkout again.
  const revoke = await server.cli(['secret', 'revoke-grant', 'other', '--project', 'app']);
  assert.equal(revoke.code, 0, revoke.stderr);
  const revokeAgain = await server.cli(['secret', 'revoke-grant', 'other', '--project', 'app']);
  assert.equal(revokeAgain.code, 1);
  assert.match(revokeAgain.stderr, /secret grant "other to app" not found/);
  const after = await server.json<{ id: string }>(['trigger', 'app']);
  const failed = await server.waitFor('the run after the revocation', async () => {
    const r = await server.json<{ state: string; reason?: string }>(['run', after.id]);
    return ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  }, 90_000);
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason ?? '', /"other" is not granted/);
});

void test('groups Sluice keeps for itself can be neither granted nor named in a sluice.yaml; bad grants change nothing', async (t) => {
  const server = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': spec('sluice.status') });
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const reserved = await server.cli(['secret', 'grant', 'sluice.status', '--project', 'app']);
  assert.equal(reserved.code, 1);
  assert.match(reserved.stderr, /secret group "sluice\.status" is kept by Sluice for itself .*: it cannot be granted/);
  const badGroup = await server.cli(['secret', 'grant', '-x', '--project', 'app']);
  assert.equal(badGroup.code, 1);
  const badProject = await server.cli(['secret', 'grant', 'tools', '--project', 'Not_A_Label']);
  assert.equal(badProject.code, 1);
  assert.match(badProject.stderr, /project name "Not_A_Label" is not valid/);
  const noProject = await server.cli(['secret', 'grant', 'tools']);
  assert.notEqual(noProject.code, 0);
  assert.deepEqual(await server.json<GroupJson[]>(['secret', 'list']), [], 'nothing was granted');

  // Named in a file: refused by validation (at checkout, with the line), before any grant is looked at.
  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);
  const run = await server.waitRun('app', repo.head(), 90_000);
  assert.equal(run.state, 'failed');
  assert.match(run.reason ?? '', /sluice\.yaml:1:\d+: .*kept by Sluice for itself/);
  const validate = await server.cli(['validate', `${repo.dir}/sluice.yaml`]);
  assert.equal(validate.code, 1);
  assert.match(validate.stdout + validate.stderr, /kept by Sluice for itself/);
});
