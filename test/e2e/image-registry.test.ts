// `image:` end to end: a server with --registry pushes each run's image as PROJECT:rN from its
// build stage; releases record it by digest (skopeo reads it back); the app still runs as
// processes; a rollback puts back the earlier digest, built once. Bad input fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appFiles, deployedProject, envStatus, prodBody, registeredProject, type ReleaseJson } from './fixtures.ts';
import { freePort } from './harness.ts';
import { registryForFile, skopeo } from '../image/registry-kit.ts';

const { missing, registry } = registryForFile();

type ImageReleaseJson = ReleaseJson & { image?: string };
const withImage = (files: Record<string, string>, base: string): Record<string, string> => ({ ...files, 'sluice.yaml': `${files['sluice.yaml']!}image:\n  base: ${base}\n  workdir: /app\n` });

void test('a commit of an image: project pushes PROJECT:rN, the release records its digest, the app serves as processes, a rollback keeps the earlier digest', { skip: missing ?? false }, async (t) => {
  const reg = registry();
  const base = `${reg.host}/base/busybox:1`;
  const { server, repo, first } = await deployedProject(t, 'imgapp', withImage(appFiles('v1'), base), { args: ['--registry', reg.url] });
  const run1 = await server.json<{ image?: string }>(['run', first.id]);
  assert.match(run1.image ?? '', new RegExp(`^${reg.host.replace(/\./g, '\\.')}/imgapp:r${first.number}@sha256:[a-f0-9]{64}$`));
  const releases = (): Promise<ImageReleaseJson[]> => server.json<ImageReleaseJson[]>(['releases', 'imgapp', '--env', 'production']);
  const [r1] = await releases();
  assert.equal(r1?.image, run1.image, 'the release records the run\'s image');
  const digest1 = r1!.image!.split('@')[1]!;
  const inspect = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/imgapp@${digest1}`])) as { Digest: string; Labels: Record<string, string> };
  assert.equal(inspect.Digest, digest1);
  assert.equal(inspect.Labels['org.opencontainers.image.revision'], first.commit);
  assert.equal(inspect.Labels['dev.sluice.project'], 'imgapp');
  assert.equal(inspect.Labels['dev.sluice.run'], first.id);
  assert.equal(await prodBody(server, 'imgapp'), 'v1', 'on one machine the artifact runs as processes');
  assert.equal(((await envStatus(server, 'imgapp', 'production')).release as { image?: string } | null)?.image, r1!.image, 'status shows the image');

  const sha2 = repo.commit('v2', { VERSION: 'v2\n' });
  const run2 = await server.waitRun('imgapp', sha2);
  assert.equal(run2.state, 'succeeded', JSON.stringify(run2));
  assert.equal(await prodBody(server, 'imgapp'), 'v2');
  const [r2] = await releases();
  assert.match(r2?.image ?? '', new RegExp(`/imgapp:r${run2.number}@sha256:`));
  assert.notEqual(r2!.image, r1!.image);

  const back = await server.cli(['rollback', 'imgapp', '--env', 'production', '--json']);
  assert.equal(back.code, 0, back.stderr);
  const r3 = JSON.parse(back.stdout) as ImageReleaseJson;
  assert.equal(r3.image, r1!.image, 'the rollback puts back the same digest');
  assert.equal(r3.artifact, r1!.artifact);
  assert.equal(await prodBody(server, 'imgapp'), 'v1');
  const tags = (await (await fetch(`${reg.url}/v2/imgapp/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags.sort(), [`r${first.number}`, `r${run2.number}`], 'a rollback builds and pushes nothing');
});

void test('bad input: image: on a server without --registry, or with an unreachable registry, fails the build with the reason and records no release', { skip: missing ?? false }, async (t) => {
  const reg = registry();
  const closed = await freePort();
  for (const [args, reason] of [
    [[], /^sluice\.yaml has image: but this server has no registry to push it to: start it with `sluice server --registry URL`/],
    [['--registry', `http://127.0.0.1:${closed}`], new RegExp(`^image: cannot reach registry http://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`)],
  ] as const) {
    const { server, repo } = await registeredProject(t, 'imgbad', withImage(appFiles('v1'), `${reg.host}/base/busybox:1`), { args: [...args] });
    const run = await server.waitRun('imgbad', repo.head());
    assert.equal(run.state, 'failed', JSON.stringify(run));
    const build = run.stages.find((s) => s.name === 'build');
    assert.equal(build?.state, 'failed');
    assert.match(build?.reason ?? '', reason);
    assert.deepEqual(await server.json<unknown[]>(['releases', 'imgbad', '--env', 'staging']).catch(() => []), []);
    assert.equal((await envStatus(server, 'imgbad', 'production').catch(() => null))?.release ?? null, null);
  }
});
