// The Runtime port for local processes: instances run under the data plane's supervisor;
// a release's files are an unpack of its artifact in the data directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.ts';
import type { ArtifactStore } from '../../artifact/artifact-store.ts';
import type { DataPlaneClient } from '../../dataplane/data-plane-client.ts';
import { instanceLogPath } from '../../dataplane/data-plane-paths.ts';
import type { InstanceInfo, InstanceRequest, Runtime } from '../runtime.ts';
import type { InstanceStatus } from './types.ts';

/** Variables the platform adds to every instance from its labels (SLUICE_FLAGS_URL/TOKEN); the service's own env wins. */
export type PlatformEnv = (labels: Record<string, string>) => Promise<{ env: Record<string, string>; secretEnv: Record<string, string> }>;

export class ProcessRuntime implements Runtime {
  private readonly client: DataPlaneClient;
  private readonly artifacts: ArtifactStore;
  private readonly dataDir: string;
  private readonly platformEnv: PlatformEnv | null;

  constructor(client: DataPlaneClient, artifacts: ArtifactStore, dataDir: string, platformEnv: PlatformEnv | null = null) {
    this.client = client;
    this.artifacts = artifacts;
    this.dataDir = dataDir;
    this.platformEnv = platformEnv;
  }

  async prepare(release: { key: string; artifactDigest: string }): Promise<string> {
    const dir = this.releaseDir(release.key);
    try {
      await fs.access(path.join(dir, '.sluice-unpacked'));
      return dir;
    } catch {
      // not there yet: unpack beside it and rename, so a crash never leaves half a release
    }
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await this.artifacts.unpack(release.artifactDigest, tmp);
    await fs.writeFile(path.join(tmp, '.sluice-unpacked'), release.artifactDigest);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.rename(tmp, dir);
    return dir;
  }

  async removeRelease(key: string): Promise<boolean> {
    const dir = this.releaseDir(key);
    const existed = await fs.stat(dir).then(() => true, () => false);
    if (existed) await fs.rm(dir, { recursive: true, force: true });
    return existed;
  }

  /** `<data>/releases/KEY`; a key that would leave that directory is a bug in the caller. */
  private releaseDir(key: string): string {
    const root = path.join(this.dataDir, 'releases');
    const dir = path.resolve(root, key);
    if (!dir.startsWith(`${root}${path.sep}`)) throw new InvalidInputError(`release key ${JSON.stringify(key)} is outside the releases directory`, { key });
    return dir;
  }

  async startInstance(req: InstanceRequest): Promise<void> {
    const platform = this.platformEnv ? await this.platformEnv(req.labels ?? {}) : { env: {}, secretEnv: {} };
    const own = new Set([...Object.keys(req.env), ...Object.keys(req.secretEnv ?? {})]);
    const keep = (vars: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(vars).filter(([k]) => !own.has(k)));
    await this.client.request('PUT', `/instances/${encodeURIComponent(req.id)}`, {
      cwd: req.workdir,
      command: req.command,
      env: { ...keep(platform.env), ...req.env },
      secretEnv: { ...keep(platform.secretEnv), ...req.secretEnv },
      health: req.health,
      labels: req.labels,
      ...(req.limits ? { limits: req.limits } : {}),
    });
  }

  async waitReady(id: string, timeoutMs: number): Promise<void> {
    await this.client.request('GET', `/instances/${encodeURIComponent(id)}/ready?timeoutMs=${timeoutMs}`, undefined, timeoutMs + 5000);
  }

  async stopInstance(id: string): Promise<void> {
    await this.client.request('DELETE', `/instances/${encodeURIComponent(id)}`, undefined, 60_000);
  }

  async listInstances(): Promise<InstanceInfo[]> {
    const list = await this.client.request<Array<InstanceStatus & { labels: Record<string, string> }>>('GET', '/instances');
    return list.map((s) => ({ id: s.id, state: s.state, port: s.port, pid: s.pid, restarts: s.restarts, reason: s.reason, labels: s.labels }));
  }

  logFileOf(id: string): string {
    return instanceLogPath(this.dataDir, id);
  }
}
