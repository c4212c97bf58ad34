// Pull requests from forks, for each git host with its own payload shape (the head repository's
// name differs from the base's): the fork's commit exists only behind the host's pull request ref
// (refs/pull/N/head, refs/merge-requests/N/head) or, on Bitbucket Cloud, in the fork itself. Its
// preview run waits for a deployer before anything of it runs (commit status says so), then gets
// only previews.forkSecrets of the BASE branch, whatever its own sluice.yaml asks for; the
// reconciler keeps the preview although no branch of the base repository holds its head. And a
// pull request cannot switch previews on through its own sluice.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { GitHost } from '../../src/hooks/hook-types.ts';
import { tempDir, type RunJson, type TestServer } from './harness.ts';
import { commitOn, HOSTS, hookAppFiles, hookProject, postHook, prDelivery, previewGet, previewsOf, waitHookOutcome, waitRunEnded } from './hooks-kit.ts';
import { setSecret } from './secrets-kit.ts';

const BASE_PREVIEWS = 'previews:\n  pullRequests: true\n  secrets: [previews]\n  forkSecrets: [forkok]\n';
// What a hostile fork writes into its own file: production secrets for its build and its preview.
const FORK_PREVIEWS = 'buildSecrets: [prod, forkok]\npreviews:\n  pullRequests: true\n  secrets: [prod, previews]\n  forkSecrets: [prod]\n';
const FORK_BUILD = 'echo "build sees PROD_TOKEN=${PROD_TOKEN:-unset} FORK_OK=${FORK_OK:+set}"';

/** A commit status API of any host on loopback: records every request (path and body). */
async function statusSink(t: { after(fn: () => Promise<void>): void }): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${decodeURIComponent(req.url ?? '')} ${body}`);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => srv.close(() => r())));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, seen };
}

async function envOf(server: TestServer, number: number, project: string): Promise<Record<string, string>> {
  const { viaRouter } = await import('./harness.ts');
  const r = await viaRouter(server.routerPort, `pr-${number}.${project}.localhost`, '/env');
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Record<string, string>;
}

async function waitWaiting(server: TestServer, project: string, sha: string): Promise<RunJson> {
  const run = await server.waitFor(`a waiting run of ${sha.slice(0, 12)}`, async () => (await server.json<RunJson[]>(['runs', project])).find((r) => r.commit === sha && r.state === 'waiting'), 60_000);
  return server.json<RunJson>(['run', run.id]);
}

/** The fork's commit, reachable only the way the host offers it. Returns the head SHA and, for Bitbucket, the fork's full name. */
function forkCommit(t: { after(fn: () => void): void }, host: GitHost, repoDir: string, git: (...a: string[]) => string, number: number, files: Record<string, string>, commit: () => string): { sha: string; forkRepo: string } {
  if (host === 'bitbucket') {
    // Bitbucket Cloud has no pull request ref: the fork is its own repository, next to the base.
    const forkDir = tempDir('fork');
    t.after(() => fs.rmSync(forkDir, { recursive: true, force: true }));
    fs.rmSync(forkDir, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', repoDir, forkDir]);
    const g = (...a: string[]): string => execFileSync('git', ['-c', 'user.name=Fork', '-c', 'user.email=fork@example.test', ...a], { cwd: forkDir, encoding: 'utf8' }).trim();
    g('checkout', '-q', '-b', 'feature');
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(forkDir, name), content);
    g('add', '-A');
    g('commit', '-q', '-m', 'fork change');
    return { sha: g('rev-parse', 'HEAD'), forkRepo: `${path.basename(path.dirname(forkDir))}/${path.basename(forkDir)}` };
  }
  // The host keeps the fork's head in the base repository under its pull request ref; no branch holds it.
  const sha = commit();
  git('update-ref', host === 'gitlab' ? `refs/merge-requests/${number}/head` : `refs/pull/${number}/head`, sha);
  git('branch', '-D', 'fork-tmp');
  return { sha, forkRepo: 'eve/app' };
}

for (const host of HOSTS) {
  void test(`${host}: a fork's preview waits for a deployer, gets only the base branch's forkSecrets, and survives the reconciler`, async (t) => {
    const name = `fk-${host}`;
    const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', BASE_PREVIEWS), { grants: ['prod', 'previews', 'forkok'] });
    const sink = await statusSink(t);
    const target = await server.cli(['project', 'status-target', name, '--host', host, '--repo', 'acme/app', '--api-url', sink.url], { input: 'status-token' });
    assert.equal(target.code, 0, target.stderr);
    await setSecret(server, 'prod', 'PROD_TOKEN', 'prod-value-never-in-a-fork');
    await setSecret(server, 'previews', 'PREVIEW_TOKEN', 'preview-value-for-same-repo');
    await setSecret(server, 'forkok', 'FORK_OK', 'fork-may-see-this');
    const baseRepo = `${path.basename(path.dirname(repo.dir))}/${path.basename(repo.dir)}`;

    const number = 7;
    const forkFiles = hookAppFiles('from-fork', FORK_PREVIEWS, { build: FORK_BUILD });
    const fork = forkCommit(t, host, repo.dir, (...a) => repo.git(...a), number, forkFiles, () => commitOn(repo, 'fork-tmp', forkFiles));
    assert.equal(repo.git('branch', '--list', 'feature'), '', 'no branch of the base repository holds the head');
    const pr = { number, headSha: fork.sha, headRef: 'feature', baseRepo, forkRepo: fork.forkRepo };
    const opened = await postHook(server, host, name, prDelivery(host, secret, { action: 'opened', ...pr }, { deliveryId: `${host}-fork-open` }));
    assert.equal(opened.status, 202, JSON.stringify(opened.body));

    // Waiting before its checkout: the fork's code has not run, nothing is deployed.
    const waiting = await waitWaiting(server, name, fork.sha);
    assert.deepEqual(waiting.stages.map((s) => [s.name, s.state]), [[`approval:pr-${number}`, 'waiting'], ['checkout', 'pending']]);
    assert.match(waiting.reason ?? '', /comes from a fork: waiting for a deployer to approve/);
    assert.equal((waiting as RunJson & { fromFork?: boolean }).fromFork, true);
    assert.equal((await previewGet(server, number, name)).status, 404);
    const status = await server.waitFor('a commit status saying the run awaits approval', async () => sink.seen.find((s) => s.includes(fork.sha) && /waiting: pull request #7 comes from a fork/.test(s)));
    assert.match(status, /pending|INPROGRESS/); // Bitbucket spells pending INPROGRESS

    if (host === 'github') {
      // A rejected fork run stays rejected; new commits of the fork wait again (the older one superseded).
      const rejected = await server.cli(['reject', waiting.id, '--reason', 'not this one']);
      assert.equal(rejected.code, 0, rejected.stderr);
      assert.equal((await server.json<RunJson>(['run', waiting.id])).state, 'cancelled');
      const again = commitOn(repo, 'fork-tmp', { ...forkFiles, VERSION: 'from-fork-2\n' });
      repo.git('update-ref', `refs/pull/${number}/head`, again);
      repo.git('branch', '-D', 'fork-tmp');
      const updated = await postHook(server, host, name, prDelivery(host, secret, { action: 'updated', ...pr, headSha: again, oldSha: fork.sha }));
      assert.equal(updated.status, 202);
      const second = await waitWaiting(server, name, again);
      assert.notEqual(second.id, waiting.id);
      fork.sha = again;
    }

    const run = await waitWaiting(server, name, fork.sha);
    const approved = await server.cli(['approve', run.id]);
    assert.equal(approved.code, 0, approved.stderr);
    const done = await waitRunEnded(server, name, fork.sha, 120_000);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.deepEqual(done.stages.map((s) => s.name), [`approval:pr-${number}`, 'checkout', 'build', 'test', `deploy:pr-${number}`]);
    const logs = (await server.jsonLines<{ line: string }>(['logs', done.id])).map((l) => l.line);
    assert.ok(logs.some((l) => l.includes("previews settings from the base branch's sluice.yaml")), logs.join('\n'));
    assert.ok(logs.includes('a pull request from a fork: it gets only previews.forkSecrets (forkok)'), logs.join('\n'));
    assert.ok(logs.includes('build secrets not given to a fork\'s build: prod'), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('build sees PROD_TOKEN=unset FORK_OK=set')), logs.join('\n'));

    // The preview serves the fork's code with forkok only: not the fork's own choice (prod), not `secrets`.
    assert.deepEqual(await previewGet(server, number, name), { status: 200, body: host === 'github' ? 'from-fork-2' : 'from-fork' });
    const env = await envOf(server, number, name);
    assert.equal(env.FORK_OK, 'fork-may-see-this');
    assert.equal(env.PROD_TOKEN, undefined);
    assert.equal(env.PREVIEW_TOKEN, undefined);

    // The reconciler at start finds the head behind the pull request ref (or in the fork): the preview stays.
    await server.stopGracefully();
    await server.launch();
    // (The log holds both starts: the second pass is the one after the restart.)
    await server.waitFor('the reconciler pass at start', async () => server.log.match(/preview reconciler at start: \d+ removed/g)?.length === 2, 60_000);
    assert.equal(server.log.match(/preview reconciler at start: 0 removed, 0 created/g)?.length, 2, server.log);
    assert.doesNotMatch(server.log, /is gone/);
    assert.deepEqual((await previewsOf(server, name)).map((p) => [p.pullRequest, p.commit]), [[number, fork.sha]]);
    assert.deepEqual(await previewGet(server, number, name), { status: 200, body: host === 'github' ? 'from-fork-2' : 'from-fork' });
  });
}

void test("a same-repository pull request takes its preview settings from the base branch: it can neither switch previews on nor pick its secrets", async (t) => {
  const name = 'fk-base';
  // The base branch has previews off.
  const { server, repo, secret } = await hookProject(t, name, hookAppFiles('v1', 'previews:\n  pullRequests: false\n  secrets: [previews]\n'), { grants: ['prod', 'previews'] });
  await setSecret(server, 'prod', 'PROD_TOKEN', 'prod-value');
  await setSecret(server, 'previews', 'PREVIEW_TOKEN', 'preview-value');
  const own = commitOn(repo, 'sneaky', hookAppFiles('sneaky', 'previews:\n  pullRequests: true\n  secrets: [prod]\n'));
  const opened = await postHook(server, 'github', name, prDelivery('github', secret, { action: 'opened', number: 3, headSha: own, headRef: 'sneaky' }, { deliveryId: 'base-off' }));
  assert.equal(opened.status, 202);
  assert.match(await waitHookOutcome(server, 'base-off'), /ignored: previews\.pullRequests is off on the base branch main/);
  assert.equal((await server.json<RunJson[]>(['runs', name])).some((r) => r.commit === own), false, 'no run of the pull request');

  // Switched on in the base branch: the same pull request's preview gets the base's `secrets`, not its own.
  repo.commit('previews on', hookAppFiles('v1', 'previews:\n  pullRequests: true\n  secrets: [previews]\n'));
  const reopened = await postHook(server, 'github', name, prDelivery('github', secret, { action: 'reopened', number: 3, headSha: own, headRef: 'sneaky' }));
  assert.equal(reopened.status, 202);
  const run = await waitRunEnded(server, name, own, 120_000);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.equal(run.stages[0]?.name, 'checkout', 'a same-repository pull request does not wait for approval');
  const env = await envOf(server, 3, name);
  assert.equal(env.PREVIEW_TOKEN, 'preview-value');
  assert.equal(env.PROD_TOKEN, undefined);
});
