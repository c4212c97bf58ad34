// RegistryPublisher against a real registry (docker-registry on loopback), checked with skopeo:
// the config's Labels/Env/WorkingDir/User/Cmd, the layer's files equal to the artifact's, the
// same inputs giving the same digest, and each bad input failing with its reason and no tag.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { extractArchive, packDirectory } from '../../src/artifact/tar-archive.ts';
import { RegistryPublisher } from '../../src/image/registry-publisher.ts';
import type { ImageBuildRequest } from '../../src/image/image-publisher.ts';
import { freePort, tempDir } from '../e2e/harness.ts';
import { pushBusyboxBase, registryMissing, skopeo, startRegistry, type TestRegistry } from './registry-kit.ts';

const missing = registryMissing();
if (missing) console.log(`# skipped: ${missing}`);
let reg: TestRegistry;
let work: string;

before(async () => {
  if (missing) return;
  reg = await startRegistry();
  pushBusyboxBase(reg, 'base/busybox:1', { index: true });
  pushBusyboxBase(reg, 'base/busybox-v2:1', { index: false });
  work = tempDir('image-work');
  const app = path.join(work, 'app');
  fs.mkdirSync(path.join(app, 'lib', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(app, 'server.js'), 'console.log("hi")\n');
  fs.writeFileSync(path.join(app, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  fs.writeFileSync(path.join(app, 'lib', 'deep', 'data.bin'), Buffer.from([0, 1, 2, 255]));
  fs.symlinkSync('../server.js', path.join(app, 'lib', 'link.js'));
  fs.mkdirSync(path.join(app, '.git'));
  fs.writeFileSync(path.join(app, '.git', 'HEAD'), 'ref: x\n');
});
after(async () => {
  if (missing) return;
  await reg.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function request(over: Partial<ImageBuildRequest> = {}): ImageBuildRequest {
  return {
    dir: path.join(work, 'app'),
    project: 'shop',
    repo: 'https://git.example.com/shop.git',
    runId: 'run-abc',
    runNumber: 7,
    commitSha: 'a'.repeat(40),
    artifactDigest: `sha256:${'b'.repeat(64)}`,
    image: { base: `${reg.host}/base/busybox:1`, workdir: '/app' },
    service: { start: 'node server.js', env: { LOG_LEVEL: 'info', PATH: '/usr/local/bin:/bin' } },
    ...over,
  };
}

/** Every entry under `dir`: relative path → type, mode and content (or link target). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, name);
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isSymbolicLink()) out.set(r, `link ${fs.readlinkSync(path.join(dir, r))}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${(st.mode & 0o7777).toString(8)}`);
        walk(r);
      } else out.set(r, `file ${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(path.join(dir, r)).toString('base64')}`);
    }
  };
  walk('');
  return out;
}

void test('a release image is pushed as PROJECT:rN: labels, Env, WorkingDir, non-root User, Cmd; layer files equal the artifact; same inputs, same digest', { skip: missing ?? false }, async () => {
  const publisher = new RegistryPublisher({ registry: reg.url, credentials: async () => null });
  const first = await publisher.publish(request());
  assert.match(first.digest, /^sha256:[a-f0-9]{64}$/);
  assert.equal(first.reference, `${reg.host}/shop:r7@${first.digest}`);

  const inspect = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/shop:r7`])) as { Digest: string; Labels: Record<string, string>; Env: string[]; Architecture: string; Layers: string[] };
  assert.equal(inspect.Digest, first.digest);
  assert.equal(inspect.Architecture, 'amd64', 'the linux/amd64 entry of the base index');
  assert.equal(inspect.Labels['org.opencontainers.image.revision'], 'a'.repeat(40));
  assert.equal(inspect.Labels['org.opencontainers.image.source'], 'https://git.example.com/shop.git');
  assert.equal(inspect.Labels['dev.sluice.project'], 'shop');
  assert.equal(inspect.Labels['dev.sluice.run'], 'run-abc');
  assert.equal(inspect.Labels['base.label'], 'yes', 'the base labels are kept');
  assert.deepEqual(inspect.Env, ['PATH=/usr/local/bin:/bin', 'BASE_ONLY=kept', 'LOG_LEVEL=info']);
  assert.equal(inspect.Layers.length, 2);

  const byDigest = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--config', `docker://${reg.host}/shop@${first.digest}`])) as { config: { WorkingDir: string; User: string; Cmd: string[]; Entrypoint?: unknown } };
  assert.equal(byDigest.config.WorkingDir, '/app');
  assert.equal(byDigest.config.User, '65532:65532');
  assert.deepEqual(byDigest.config.Cmd, ['/bin/sh', '-c', 'node server.js']);

  const again = await publisher.publish(request());
  assert.equal(again.digest, first.digest, 'a second build of the same inputs gives the same digest');

  // The layer, fetched by skopeo, unpacked, against the artifact of the same directory unpacked.
  const copy = tempDir('image-copy');
  try {
    skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${reg.host}/shop@${first.digest}`, `dir:${path.join(copy, 'img')}`]);
    const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'img', 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    const layerFile = path.join(copy, 'img', manifest.layers.at(-1)!.digest.slice('sha256:'.length));
    const listing = execFileSync('tar', ['-tvzf', layerFile, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(listing.every((l) => l.split(/\s+/)[1] === '65532/65532'), `every entry owned by 65532:\n${listing.join('\n')}`);
    assert.equal(listing[0]!.split(/\s+/).at(-1), 'app/', 'the workdir itself comes first');
    fs.mkdirSync(path.join(copy, 'layer'));
    execFileSync('tar', ['-xzf', layerFile, '-C', path.join(copy, 'layer')]);
    await packDirectory(path.join(work, 'app'), path.join(copy, 'artifact.tar.gz'));
    fs.mkdirSync(path.join(copy, 'artifact'));
    await extractArchive(createReadStream(path.join(copy, 'artifact.tar.gz')), path.join(copy, 'artifact'));
    const layerTree = tree(path.join(copy, 'layer', 'app'));
    assert.deepEqual(layerTree, tree(path.join(copy, 'artifact')));
    assert.ok(layerTree.has('lib/deep/data.bin') && !layerTree.has('.git'), [...layerTree.keys()].join(' '));
    assert.equal(layerTree.get('lib/link.js'), 'link ../server.js');
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

void test('a Docker v2 schema 2 base works too, and a nested workdir holds the files', { skip: missing ?? false }, async () => {
  const publisher = new RegistryPublisher({ registry: `${reg.url}/team`, credentials: async () => null });
  const out = await publisher.publish(request({ runNumber: 8, image: { base: `${reg.host}/base/busybox-v2:1`, workdir: '/srv/shop' } }));
  const config = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--config', `docker://${reg.host}/team/shop@${out.digest}`])) as { config: { WorkingDir: string } };
  assert.equal(config.config.WorkingDir, '/srv/shop');
  assert.equal(out.reference, `${reg.host}/team/shop:r8@${out.digest}`);
});

async function tagsOf(repo: string): Promise<number> {
  const res = await fetch(`${reg.url}/v2/${repo}/tags/list`);
  await res.body?.cancel();
  return res.status;
}

void test('bad input: a missing base, an unreachable registry, wrong credentials: each names its cause and tags nothing', { skip: missing ?? false }, async () => {
  const publisher = new RegistryPublisher({ registry: reg.url, credentials: async () => null });
  await assert.rejects(publisher.publish(request({ project: 'nobase', image: { base: `${reg.host}/base/nope:1`, workdir: '/app' } })), (e: Error) => {
    assert.equal(e.message, `base image ${reg.host}/base/nope:1 not found (registry ${reg.host} answered 404)`);
    return true;
  });
  assert.equal(await tagsOf('nobase'), 404, 'no repository was written');

  const closed = await freePort();
  const away = new RegistryPublisher({ registry: `http://127.0.0.1:${closed}`, credentials: async () => null });
  await assert.rejects(away.publish(request()), /cannot reach registry http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);

  const locked = await startRegistry({ users: { deploy: 'right-password' } });
  try {
    const wrong = new RegistryPublisher({ registry: locked.url, credentials: async () => ({ username: 'deploy', password: 'wrong', group: 'registry' }) });
    await assert.rejects(wrong.publish(request({ image: { base: `${reg.host}/base/busybox:1`, workdir: '/app' } })), (e: Error) => {
      assert.equal(e.message, `registry ${locked.host} refused the credentials of secret group registry (401): check its username and password`);
      return true;
    });
    const anonymous = new RegistryPublisher({ registry: locked.url, credentials: async () => null });
    await assert.rejects(anonymous.publish(request()), /asks for credentials: give the server --registry-credentials GROUP/);
    const right = new RegistryPublisher({ registry: locked.url, credentials: async () => ({ username: 'deploy', password: 'right-password', group: 'registry' }) });
    const ok = await right.publish(request());
    const inspect = JSON.parse(skopeo(['inspect', '--tls-verify=false', '--creds', 'deploy:right-password', `docker://${locked.host}/shop:r7`])) as { Digest: string };
    assert.equal(inspect.Digest, ok.digest, 'Basic authentication pushes, and the base came from the other (anonymous) registry');
  } finally {
    await locked.stop();
  }
});

