// The release image's config and manifest, composed from the base's and one new layer. Every
// field is a function of its inputs (no clock: `created` is the epoch), so the same inputs give
// the same bytes and so the same digest.
import type { ImageBuildRequest } from './image-publisher.ts';
import type { BaseImage } from './base-image.ts';
import { MediaType, type Descriptor } from './oci-media-types.ts';

/** The user the image runs as: not root (65532 is distroless's `nonroot`). */
export const IMAGE_UID = 65532;
const EPOCH = '1970-01-01T00:00:00Z';

export interface NewLayer { digest: string; size: number; diffId: string }

export function imageConfigOf(base: BaseImage, layer: NewLayer, req: ImageBuildRequest, baseName: string): Buffer {
  const env = new Map<string, string>();
  for (const entry of base.config.config?.Env ?? []) {
    const eq = entry.indexOf('=');
    env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(req.service?.env ?? {})) env.set(k, v);
  const labels: Record<string, string> = {
    ...(base.config.config?.Labels ?? {}),
    'org.opencontainers.image.revision': req.commitSha,
    'org.opencontainers.image.source': req.repo,
    'org.opencontainers.image.title': req.project,
    'org.opencontainers.image.version': `r${req.runNumber}`,
    'org.opencontainers.image.base.name': baseName,
    'org.opencontainers.image.base.digest': base.digest,
    'dev.sluice.project': req.project,
    'dev.sluice.run': req.runId,
    'dev.sluice.run-number': String(req.runNumber),
    'dev.sluice.artifact': req.artifactDigest,
  };
  const config = {
    ...base.config,
    created: EPOCH,
    config: {
      ...(base.config.config ?? {}),
      Env: [...env].map(([k, v]) => `${k}=${v}`),
      WorkingDir: req.image.workdir,
      User: `${IMAGE_UID}:${IMAGE_UID}`,
      // The service's start is a shell command, as the process runtime runs it.
      Entrypoint: null,
      Cmd: req.service ? ['/bin/sh', '-c', req.service.start] : null,
      Labels: sortKeys(labels),
    },
    rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, `sha256:${layer.diffId}`] },
    ...(base.config.history
      ? { history: [...base.config.history, { created: EPOCH, created_by: `sluice: artifact ${req.artifactDigest} at ${req.image.workdir}` }] }
      : {}),
  };
  return Buffer.from(JSON.stringify(config));
}

export function imageManifestOf(base: BaseImage, configBytes: Buffer, configDigest: string, layer: NewLayer, baseName: string): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers: [...base.layers.map(asOciLayer), { mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size }],
    annotations: { 'org.opencontainers.image.base.name': baseName, 'org.opencontainers.image.base.digest': base.digest },
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Docker's gzip layer type is the same bytes as OCI's; an OCI manifest names the OCI type. */
function asOciLayer(d: Descriptor): Descriptor {
  const mediaType = d.mediaType === MediaType.dockerLayerGzip ? MediaType.ociLayerGzip : d.mediaType;
  return { mediaType, digest: d.digest, size: d.size, ...(d.annotations ? { annotations: d.annotations } : {}) };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
