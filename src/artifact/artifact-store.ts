// Content-addressed store of build outputs: <dir>/sha256/<hex>.tar.gz. Files appear under their
// digest name only by an atomic rename of a complete, synced temp file.

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactError, InvalidInputError } from '../errors.ts';
import { syncDirectoryAsync } from '../fs/write-file-durable.ts';
import { digestHex, hashFileHandle, requireDigestHex } from './artifact-digest.ts';
import { extractArchive, packDirectory } from './tar-archive.ts';

import type { ArtifactRef, Artifacts } from './artifacts.ts';

export type { ArtifactRef } from './artifacts.ts';

export type StoredArtifact = ArtifactRef & { createdAt: Date };

const ARTIFACT_FILE = /^([0-9a-f]{64})\.tar\.gz$/;
const TEMP_PREFIX = '.tmp-';
/** Temp files older than this are leftovers of a crashed pack; prune removes them. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export class ArtifactStore implements Artifacts {
  private readonly root: string;

  constructor(opts: { dir: string }) {
    this.root = join(opts.dir, 'sha256');
  }

  async pack(workspace: string): Promise<ArtifactRef> {
    const ws = await stat(workspace).catch(() => null);
    if (!ws?.isDirectory()) throw new ArtifactError(`cannot pack ${workspace}: not a directory`, { workspace });
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tar.gz`);
    try {
      const { sha256, size } = await packDirectory(workspace, tmp);
      const handle = await open(tmp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Same content, same name: replacing an existing copy is harmless (and repairs a damaged one).
      await rename(tmp, this.pathOf(sha256));
      await syncDirectoryAsync(this.root);
      return { digest: `sha256:${sha256}`, size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async unpack(digest: string, dest: string): Promise<void> {
    const hex = requireDigestHex(digest);
    await this.requireEmptyDest(dest);
    let handle;
    try {
      handle = await open(this.pathOf(hex), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactError(`artifact ${digest} is missing from the store`, { digest });
      throw error;
    }
    try {
      // Verify and extract from the same open file, so what is extracted is what was verified.
      const actual = await hashFileHandle(handle);
      if (actual !== hex) throw new ArtifactError(`artifact ${digest} is corrupt: digest mismatch`, { digest, actual: `sha256:${actual}` });
      await mkdir(dest, { recursive: true });
      await extractArchive(createReadStream('', { fd: handle.fd, start: 0, autoClose: false }), dest);
    } finally {
      await handle.close();
    }
  }

  async has(digest: string): Promise<boolean> {
    const hex = digestHex(digest);
    if (!hex) return false;
    return stat(this.pathOf(hex)).then((s) => s.isFile(), () => false);
  }

  /** Every stored artifact, newest first. */
  async list(): Promise<StoredArtifact[]> {
    const names = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const found: StoredArtifact[] = [];
    for (const name of names) {
      const hex = ARTIFACT_FILE.exec(name)?.[1];
      if (!hex) continue;
      const s = await stat(join(this.root, name)).catch(() => null); // may be pruned meanwhile
      if (s?.isFile()) found.push({ digest: `sha256:${hex}`, size: s.size, createdAt: s.mtime });
    }
    return found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.digest.localeCompare(b.digest));
  }

  /** Removes artifacts beyond the `keep` newest, except referenced ones; returns the removed digests. */
  async prune(opts: { keep: number; referenced: Set<string> }): Promise<string[]> {
    if (!Number.isInteger(opts.keep) || opts.keep < 0) throw new InvalidInputError('keep must be a non-negative integer', { keep: opts.keep });
    const all = await this.list();
    const removed: string[] = [];
    for (const artifact of all.slice(opts.keep)) {
      if (opts.referenced.has(artifact.digest)) continue;
      await unlink(this.pathOf(requireDigestHex(artifact.digest))).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      removed.push(artifact.digest);
    }
    await this.removeStaleTemps();
    return removed;
  }

  private pathOf(hex: string): string {
    return join(this.root, `${hex}.tar.gz`);
  }

  private async requireEmptyDest(dest: string): Promise<void> {
    const entries = await readdir(dest).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw new ArtifactError(`cannot unpack into ${dest}: ${error.message}`, { dest });
    });
    if (entries.length > 0) throw new ArtifactError(`cannot unpack into ${dest}: directory is not empty`, { dest });
  }

  private async removeStaleTemps(): Promise<void> {
    const names = await readdir(this.root).catch(() => []);
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const s = await stat(join(this.root, name)).catch(() => null);
      if (s && Date.now() - s.mtimeMs > STALE_TEMP_MS) await rm(join(this.root, name), { force: true });
    }
  }
}
