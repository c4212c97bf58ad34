// Artifact digests are 'sha256:<64 lowercase hex>' of the stored .tar.gz bytes.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { ArtifactError } from '../errors.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a digest, or null when it is not a well-formed sha256 digest. */
export function digestHex(digest: string): string | null {
  return DIGEST.exec(digest)?.[1] ?? null;
}

export function requireDigestHex(digest: string): string {
  const hex = digestHex(digest);
  if (!hex) throw new ArtifactError(`invalid artifact digest ${JSON.stringify(digest)}`, { digest });
  return hex;
}

/** sha256 of a whole open file, read from offset 0; leaves the handle open. */
export async function hashFileHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream('', { fd: handle.fd, start: 0, autoClose: false });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
