// Packs and unpacks workspaces with GNU tar. The archive is made byte-for-byte reproducible:
// sorted names, fixed mtime/owner/group, normalized permissions, and a gzip with no timestamp.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { ArtifactError } from '../errors.ts';

/** Fixed so the same tar stream always compresses to the same bytes (for a given zlib). */
const GZIP_LEVEL = 6;
/** The PATH tar is found in, whatever the server's own PATH (`sluice doctor` looks there too). */
export const TAR_PATH = '/usr/local/bin:/usr/bin:/bin';
const TAR_ENV = { PATH: TAR_PATH, LC_ALL: 'C' };

/** Options common to the artifact and an image layer (owner and prefix differ). */
const PACK_ARGS = [
  '--sort=name',
  '--mtime=@0',
  '--numeric-owner',
  '--format=gnu',
  // Keep only "executable or not": umask differences (0664 vs 0644) must not change the digest.
  '--mode=a+rX,u+w,go-w',
  '--no-acls',
  '--no-xattrs',
  '--no-selinux',
  // --anchored must precede the --exclude it applies to: only the top-level .git goes.
  '--anchored',
  '--exclude=./.git',
] as const;

export interface PackedFile { sha256: string; size: number }
/** A packed OCI layer: `sha256`/`size` of the .tar.gz, `diffId` of the tar inside (the image config's rootfs.diff_ids). */
export interface PackedLayer extends PackedFile { diffId: string }

/** Writes a deterministic .tar.gz of `workspace` (without its top-level .git) to `outFile`. */
export async function packDirectory(workspace: string, outFile: string): Promise<PackedFile> {
  const { sha256, size } = await pack(workspace, outFile, ['--owner=0', '--group=0']);
  return { sha256, size };
}

/**
 * The same files as packDirectory, as an image layer: under `prefix` (an absolute path such
 * as /app, its directory included), owned by `uid`:`uid` (non-root).
 */
export async function packLayer(workspace: string, outFile: string, opts: { prefix: string; uid: number }): Promise<PackedLayer> {
  const prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
  // "." → "app", "./x" → "app/x": the archive names the prefix directory first, then its files.
  // Flag S: symbolic link targets stay as written (a relative ./x must not become app/x).
  const transform = `--transform=s,^\\.,${prefix.replace(/[\\,&]/g, '\\$&')},S`;
  return pack(workspace, outFile, [`--owner=${opts.uid}`, `--group=${opts.uid}`, transform]);
}

async function pack(workspace: string, outFile: string, args: readonly string[]): Promise<PackedLayer> {
  const tar = spawn('tar', [...PACK_ARGS, ...args, '-C', workspace, '-cf', '-', '.'], { env: TAR_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collect(tar.stderr);
  const exited = waitExit(tar);
  const raw = createHash('sha256');
  const hash = createHash('sha256');
  let size = 0;
  const rawTap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      raw.update(chunk);
      done(null, chunk);
    },
  });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const gzip = createGzip({ level: GZIP_LEVEL, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  try {
    await Promise.all([pipeline(tar.stdout, rawTap, gzip, tap, createWriteStream(outFile, { mode: 0o644 })), exited]);
  } catch (error) {
    tar.kill('SIGKILL');
    throw new ArtifactError(`cannot pack ${workspace}: ${(await stderr).trim() || String(error)}`, { workspace });
  }
  const code = await exited;
  if (code !== 0) throw new ArtifactError(`cannot pack ${workspace}: tar exited with ${code}: ${(await stderr).trim()}`, { workspace });
  return { sha256: hash.digest('hex'), size, diffId: raw.digest('hex') };
}

/** Extracts a .tar.gz stream into `dest` (which must exist). */
export async function extractArchive(input: Readable, dest: string): Promise<void> {
  const tar = spawn('tar', ['-xzf', '-', '--no-same-owner', '-C', dest], { env: TAR_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = collect(tar.stderr);
  const exited = waitExit(tar);
  try {
    await pipeline(input, tar.stdin);
  } catch (error) {
    tar.kill('SIGKILL');
    await exited;
    throw new ArtifactError(`cannot unpack into ${dest}: ${(await stderr).trim() || String(error)}`, { dest });
  }
  const code = await exited;
  if (code !== 0) throw new ArtifactError(`cannot unpack into ${dest}: tar exited with ${code}: ${(await stderr).trim()}`, { dest });
}

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (text.length < 8192) text += chunk;
    });
    stream.on('close', () => resolve(text));
    stream.on('error', () => resolve(text));
  });
}

function waitExit(child: ReturnType<typeof spawn>): Promise<number | string> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
}
