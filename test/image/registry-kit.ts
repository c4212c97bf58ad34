// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback
// port, with a temp config and filesystem storage, started and ended by pid. Also a tiny base
// image made here from busybox-static, pushed with skopeo (not with Sluice's own client).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before } from 'node:test';
import { freePort, tempDir } from '../e2e/harness.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why the registry tests cannot run here, or null. */
export function registryMissing(): string | null {
  for (const bin of [REGISTRY_BIN, '/usr/bin/skopeo', '/bin/busybox']) if (!fs.existsSync(bin)) return `${bin} is not installed (apt-get install docker-registry skopeo busybox-static)`;
  return null;
}

export interface TestRegistry {
  port: number;
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts a registry; with `users`, htpasswd (Basic) authentication with those passwords. */
export async function startRegistry(opts: { users?: Record<string, string> } = {}): Promise<TestRegistry> {
  const dir = tempDir('registry');
  const port = await freePort();
  const auth = opts.users
    ? `auth:\n  htpasswd:\n    realm: sluice-test\n    path: ${path.join(dir, 'htpasswd')}\n`
    : '';
  if (opts.users) fs.writeFileSync(path.join(dir, 'htpasswd'), Object.entries(opts.users).map(([u, p]) => `${u}:${bcrypt(p)}\n`).join(''));
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${log}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`docker-registry did not answer within 20 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    url,
    dir,
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/** A bcrypt hash for htpasswd (Python's crypt module; distribution reads only bcrypt). */
function bcrypt(password: string): string {
  return execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))', password], { encoding: 'utf8' }).trim();
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Pushes a busybox base to `REGISTRY/NAME:TAG` with skopeo: an OCI index (linux/amd64 and a
 * decoy linux/arm64 entry) when `index`, else a Docker v2 schema 2 manifest. Returns its Env.
 */
export function pushBusyboxBase(registry: TestRegistry, name: string, opts: { index: boolean }): { env: string[] } {
  const work = tempDir('base');
  try {
    const root = path.join(work, 'root');
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const tool of ['sh', 'ls', 'cat', 'env']) fs.symlinkSync('busybox', path.join(root, 'bin', tool));
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', 'bin'], { maxBuffer: 64 << 20 });
    const layer = gzipSync(tar);
    const env = ['PATH=/bin', 'BASE_ONLY=kept'];
    const config = (arch: string): Buffer =>
      Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: { Env: env, Cmd: ['/bin/sh'], Labels: { 'base.label': 'yes' } }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] }, history: [{ created_by: 'test base' }] }));
    const blobs = path.join(work, 'oci', 'blobs', 'sha256');
    fs.mkdirSync(blobs, { recursive: true });
    const put = (b: Buffer): string => {
      const d = sha(b);
      fs.writeFileSync(path.join(blobs, d), b);
      return `sha256:${d}`;
    };
    const layerDigest = put(layer);
    const manifest = (arch: string): { digest: string; size: number } => {
      const c = config(arch);
      const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(c), size: c.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }] }));
      return { digest: put(m), size: m.length };
    };
    const amd = manifest('amd64');
    const entries = opts.index
      ? (() => {
          const arm = manifest('arm64');
          const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...arm, platform: { os: 'linux', architecture: 'arm64' } },
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...amd, platform: { os: 'linux', architecture: 'amd64' } },
          ] }));
          return [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: put(idx), size: idx.length, annotations: { 'org.opencontainers.image.ref.name': 'base' } }];
        })()
      : [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...amd, annotations: { 'org.opencontainers.image.ref.name': 'base' } }];
    fs.writeFileSync(path.join(work, 'oci', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    fs.writeFileSync(path.join(work, 'oci', 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));
    const args = ['copy', '--quiet', '--dest-tls-verify=false', ...(opts.index ? ['--all'] : ['--format', 'v2s2']), `oci:${path.join(work, 'oci')}:base`, `docker://${registry.host}/${name}`];
    execFileSync('skopeo', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return { env };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function skopeo(args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/**
 * A registry for one test file, with a busybox base image pushed as `base/busybox:1` (an index):
 * started before the file's tests and stopped after them; `missing` says why it cannot run here
 * (printed, and the tests skip).
 */
export function registryForFile(): { missing: string | null; registry: () => TestRegistry } {
  const missing = registryMissing();
  if (missing) console.log(`# skipped: ${missing}`);
  let reg: TestRegistry | undefined;
  before(async () => {
    if (missing) return;
    reg = await startRegistry();
    pushBusyboxBase(reg, 'base/busybox:1', { index: true });
  });
  after(async () => {
    await reg?.stop();
  });
  return { missing, registry: () => reg! };
}
