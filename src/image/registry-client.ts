// A small client of the OCI distribution API (github.com/opencontainers/distribution-spec,
// spec.md): blobs by HEAD/GET, monolithic upload (POST then PUT ?digest=), cross-repository
// mount, manifests by GET/PUT with their media type. Authentication answers the registry's
// challenge (registry-auth.ts). No npm library fit (docs/decisions/0044-oci-images.md).
import { createHash } from 'node:crypto';
import { ImageError } from '../errors.ts';
import { answerChallenge, causeOf, parseChallenge, refused, type RegistryCredentials } from './registry-auth.ts';
import { MANIFEST_ACCEPT } from './oci-media-types.ts';

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes as served (what a reference by digest names). */
  digest: string;
}

const REQUEST_MS = 30_000;
const BLOB_MS = 10 * 60_000;

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class RegistryClient {
  readonly host: string;
  private readonly base: string;
  private readonly creds: RegistryCredentials | null;
  private readonly signal: AbortSignal | undefined;
  private readonly auth = new Map<string, string>();

  /** `origin`: `http://127.0.0.1:5000` or `https://registry.example.com`. */
  constructor(origin: string, creds: RegistryCredentials | null, signal?: AbortSignal) {
    const url = new URL(origin);
    this.host = url.host;
    this.base = `${url.protocol}//${url.host}`;
    this.creds = creds;
    this.signal = signal;
  }

  /** The manifest, or null when the registry says 404 (no such repository, tag or digest). */
  async getManifest(repo: string, ref: string): Promise<Manifest | null> {
    const res = await this.request('GET', `/v2/${repo}/manifests/${ref}`, `repository:${repo}:pull`, { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status === 404) return drop(res, null);
    await this.expect(res, [200], `manifest ${repo}:${ref}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || mediaTypeOf(bytes);
    return { bytes, mediaType, digest: sha256Digest(bytes) };
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`);
    if (res.status === 404) return drop(res, false);
    await this.expect(res, [200], `blob ${digest}`);
    return drop(res, true);
  }

  /** The blob's bytes, checked against its digest. */
  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`, { timeoutMs: BLOB_MS });
    await this.expect(res, [200], `blob ${repo}@${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256Digest(bytes) !== digest) throw new ImageError(`registry ${this.host} served blob ${digest} of ${repo} with other bytes`, { details: { registry: this.host } });
    return bytes;
  }

  /** Mounts a blob another repository of this registry has; false when the registry would not. */
  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    const res = await this.request('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, `repository:${repo}:pull,push repository:${from}:pull`);
    if (res.status === 201) return drop(res, true);
    // 202: the registry started an ordinary upload instead; it expires unused.
    await this.expect(res, [202], `mount of ${digest}`);
    return drop(res, false);
  }

  /** A monolithic upload (POST, then PUT with the digest); skipped when the blob is there. */
  async pushBlob(repo: string, digest: string, bytes: Buffer): Promise<void> {
    if (await this.hasBlob(repo, digest)) return;
    const scope = `repository:${repo}:pull,push`;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, scope);
    await this.expect(start, [202], `upload of ${digest}`);
    await drop(start, null);
    const location = start.headers.get('location');
    if (!location) throw new ImageError(`registry ${this.host} started an upload without a Location`, { details: { registry: this.host } });
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', url.pathname + url.search, scope, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      body: bytes,
      timeoutMs: BLOB_MS,
    });
    await this.expect(put, [201], `upload of ${digest}`);
    await drop(put, null);
  }

  /** PUTs a manifest under `ref` (a tag or its digest); returns its digest. */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${ref}`, `repository:${repo}:pull,push`, { headers: { 'content-type': mediaType }, body: bytes });
    await this.expect(res, [201], `manifest ${repo}:${ref}`);
    await drop(res, null);
    const digest = sha256Digest(bytes);
    const served = res.headers.get('docker-content-digest');
    if (served && served !== digest) throw new ImageError(`registry ${this.host} stored manifest ${repo}:${ref} as ${served}, not ${digest}`, { details: { registry: this.host } });
    return digest;
  }

  private async request(method: string, path: string, scope: string, opts: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {}): Promise<Response> {
    let res = await this.send(method, path, this.auth.get(scope), opts);
    if (res.status !== 401) return res;
    const header = res.headers.get('www-authenticate');
    await drop(res, null);
    if (!header) throw refused(this.host, this.creds);
    this.auth.set(scope, await answerChallenge(parseChallenge(header), scope, this.creds, this.host, this.signalFor(REQUEST_MS)));
    res = await this.send(method, path, this.auth.get(scope), opts);
    if (res.status === 401) {
      await drop(res, null);
      throw refused(this.host, this.creds);
    }
    return res;
  }

  private async send(method: string, path: string, authorization: string | undefined, opts: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number }): Promise<Response> {
    try {
      return await fetch(this.base + path, {
        method,
        headers: { ...opts.headers, ...(authorization ? { authorization } : {}) },
        ...(opts.body ? { body: opts.body } : {}),
        signal: this.signalFor(opts.timeoutMs ?? REQUEST_MS),
      });
    } catch (error) {
      throw new ImageError(`cannot reach registry ${this.base}: ${causeOf(error)}`, { retryable: true, details: { registry: this.host } });
    }
  }

  private signalFor(ms: number): AbortSignal {
    const timeout = AbortSignal.timeout(ms);
    return this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
  }

  private async expect(res: Response, ok: number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = (await res.text().catch(() => '')).slice(0, 300).trim();
    if (res.status === 403) throw new ImageError(`registry ${this.host} denied ${what} (403)${this.creds ? ` to the credentials of secret group ${this.creds.group}` : ''}`, { details: { registry: this.host } });
    throw new ImageError(`registry ${this.host} answered ${res.status} to ${what}${text ? `: ${text}` : ''}`, { retryable: res.status >= 500, details: { registry: this.host } });
  }
}

async function drop<T>(res: Response, value: T): Promise<T> {
  await res.body?.cancel().catch(() => undefined);
  return value;
}

function mediaTypeOf(bytes: Buffer): string {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : '';
  } catch {
    return '';
  }
}
