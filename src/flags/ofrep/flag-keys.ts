// Evaluation keys of an environment (docs/decisions/0034). A key names its environment and its
// kind, `sfk.server.PROJECT.ENV.MAC` (instances: every flag) or `sfk.client.PROJECT.ENV.MAC`
// (browsers: the flags marked `client: true`). MAC is HMAC-SHA256 under a key derived from the
// master key, so the control plane makes the same key again at every deploy without storing it.
// The data plane holds only each key's SHA-256: it can check a key, never make one.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type FlagKeyKind = 'server' | 'client';

export interface FlagKeyScope {
  kind: FlagKeyKind;
  project: string;
  environment: string;
}

/** What the data plane keeps per environment: the hashes of its two keys (hex SHA-256). */
export interface FlagKeyHashes {
  server: string;
  client: string;
}

/** Project and environment names are DNS labels (src/engine/names.ts), without dots: the key splits on them. */
export const dnsLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const mac = /^[A-Za-z0-9_-]{43}$/;

/** The scope a key names, or null when it is not a key at all (a malformed value is not worth a hash). */
export function parseFlagKey(key: string): FlagKeyScope | null {
  if (key.length > 200) return null;
  const parts = key.split('.');
  if (parts.length !== 5 || parts[0] !== 'sfk') return null;
  const [, kind, project, environment, m] = parts as [string, string, string, string, string];
  if ((kind !== 'server' && kind !== 'client') || !dnsLabel.test(project) || !dnsLabel.test(environment) || !mac.test(m)) return null;
  return { kind, project, environment };
}

const flagKeyDigest = (key: string): Buffer => createHash('sha256').update(key).digest();

export function hashFlagKey(key: string): string {
  return flagKeyDigest(key).toString('hex');
}

/** Constant-time check of a key against its stored hash (the digests compared as bytes: no hex of ours). */
export function flagKeyMatches(key: string, hash: string): boolean {
  const a = flagKeyDigest(key);
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The control plane's side: makes an environment's keys from the master key. */
export class FlagKeyMaker {
  private readonly secret: Buffer;

  constructor(masterKey: Buffer) {
    this.secret = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'sluice flag evaluation keys v1', 32));
  }

  key(kind: FlagKeyKind, project: string, environment: string): string {
    const m = createHmac('sha256', this.secret).update(`${kind}\n${project}\n${environment}`).digest('base64url');
    return `sfk.${kind}.${project}.${environment}.${m}`;
  }

  hashes(project: string, environment: string): FlagKeyHashes {
    return { server: hashFlagKey(this.key('server', project, environment)), client: hashFlagKey(this.key('client', project, environment)) };
  }
}
