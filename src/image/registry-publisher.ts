// ImagePublisher over a distribution registry: read the base (pinned to its digest for this
// build), pack the workspace as one layer under the workdir, push the base's layers that the
// target lacks (mounted when it is the same registry), the layer, the config, then the
// manifest under `PROJECT:rN`. The manifest goes last: until it is there, nothing names the
// blobs, so a failed push leaves no image (the registry's garbage collection takes the blobs).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packLayer } from '../artifact/tar-archive.ts';
import { ImageError } from '../errors.ts';
import { formatImageReference, parseImageReference, type ImageReference } from '../spec/image-reference.ts';
import { readBaseImage } from './base-image.ts';
import { IMAGE_UID, imageConfigOf, imageManifestOf } from './image-manifest.ts';
import type { ImageBuildRequest, ImagePublisher, PublishedImage } from './image-publisher.ts';
import { MediaType } from './oci-media-types.ts';
import type { RegistryCredentials } from './registry-auth.ts';
import { RegistryClient, sha256Digest } from './registry-client.ts';

export interface RegistryPublisherOptions {
  /** `http://127.0.0.1:5000` or `https://registry.example.com[/prefix]` (the prefix becomes part of the repository). */
  registry: string;
  /** Read at each push (a secret group can change while the server runs); null: anonymous. */
  credentials: () => Promise<RegistryCredentials | null>;
  /** Where the layer is written while it is pushed (removed after). */
  tmpDir?: string;
}

export class RegistryPublisher implements ImagePublisher {
  private readonly origin: string;
  private readonly prefix: string;
  private readonly opts: RegistryPublisherOptions;

  constructor(opts: RegistryPublisherOptions) {
    const url = new URL(opts.registry);
    this.origin = `${url.protocol}//${url.host}`;
    this.prefix = url.pathname.replace(/^\/+|\/+$/g, '');
    this.opts = opts;
  }

  async publish(req: ImageBuildRequest): Promise<PublishedImage> {
    const creds = await this.opts.credentials();
    const target = new RegistryClient(this.origin, creds, req.signal);
    const parsed = parseImageReference(req.image.base);
    if ('problem' in parsed) throw new ImageError(`image.base ${req.image.base} is not a valid image reference: ${parsed.problem}`);
    const baseName = formatImageReference(parsed);
    const sameRegistry = parsed.host === target.host;
    const source = sameRegistry ? target : new RegistryClient(originOf(parsed), null, req.signal);
    const base = await readBaseImage(source, parsed);
    const repository = this.prefix ? `${this.prefix}/${req.project}` : req.project;
    const tag = `r${req.runNumber}`;
    const dir = await fs.mkdtemp(path.join(this.opts.tmpDir ?? os.tmpdir(), 'sluice-image-'));
    try {
      const file = path.join(dir, 'layer.tar.gz');
      const packed = await packLayer(req.dir, file, { prefix: req.image.workdir, uid: IMAGE_UID });
      const layer = { digest: `sha256:${packed.sha256}`, size: packed.size, diffId: packed.diffId };
      for (const d of base.layers) {
        if (await target.hasBlob(repository, d.digest)) continue;
        if (sameRegistry && (await target.mountBlob(repository, d.digest, parsed.repository))) continue;
        await target.pushBlob(repository, d.digest, await source.getBlob(parsed.repository, d.digest));
      }
      await target.pushBlob(repository, layer.digest, await fs.readFile(file));
      const config = imageConfigOf(base, layer, req, baseName);
      const configDigest = sha256Digest(config);
      await target.pushBlob(repository, configDigest, config);
      const manifest = imageManifestOf(base, config, configDigest, layer, baseName);
      const digest = await target.putManifest(repository, tag, manifest, MediaType.ociManifest);
      return { reference: `${target.host}/${repository}:${tag}@${digest}`, digest, baseDigest: base.digest };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

/** Plain HTTP on loopback (a local registry), HTTPS anywhere else; Docker Hub's API host. */
function originOf(ref: ImageReference): string {
  if (ref.host === 'docker.io') return 'https://registry-1.docker.io';
  const hostname = ref.host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname);
  return `${loopback ? 'http' : 'https'}://${ref.host}`;
}
