// Reads a base image: its manifest (an index or Docker manifest list → the linux/amd64 entry),
// then its config. Both families are read (OCI image spec, Docker v2 schema 2).
import { z } from 'zod';
import { ImageError } from '../errors.ts';
import { formatImageReference, type ImageReference } from '../spec/image-reference.ts';
import { MediaType, type Descriptor } from './oci-media-types.ts';
import type { RegistryClient } from './registry-client.ts';

const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  platform: z.looseObject({ os: z.string().optional(), architecture: z.string().optional(), variant: z.string().optional() }).optional(),
});
const manifestSchema = z.looseObject({ schemaVersion: z.literal(2), config: descriptorSchema, layers: z.array(descriptorSchema) });
const indexSchema = z.looseObject({ schemaVersion: z.literal(2), manifests: z.array(descriptorSchema) });
export const imageConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z.looseObject({
    Env: z.array(z.string()).nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
  }).nullish(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(z.string()) }),
  history: z.array(z.looseObject({ empty_layer: z.boolean().optional() })).optional(),
});
export type ImageConfig = z.output<typeof imageConfigSchema>;

export interface BaseImage {
  /** The digest of the image manifest used (the platform entry's, for an index). */
  digest: string;
  config: ImageConfig;
  layers: Descriptor[];
}

const PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

export async function readBaseImage(client: RegistryClient, ref: ImageReference): Promise<BaseImage> {
  const name = formatImageReference(ref);
  const first = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  if (!first) throw new ImageError(`base image ${name} not found (registry ${client.host} answered 404)`, { details: { base: name } });
  if (ref.digest && first.digest !== ref.digest) throw new ImageError(`base image ${name}: the registry served a manifest of digest ${first.digest}`, { details: { base: name } });
  let manifest = first;
  if (first.mediaType === MediaType.ociIndex || first.mediaType === MediaType.dockerManifestList) {
    const index = parse(indexSchema, first.bytes, name, 'index');
    const entry = index.manifests.find((m) => m.platform?.os === PLATFORM.os && m.platform.architecture === PLATFORM.architecture);
    if (!entry) throw new ImageError(`base image ${name} has no ${PLATFORM.os}/${PLATFORM.architecture} image in its index`, { details: { base: name } });
    const picked = await client.getManifest(ref.repository, entry.digest);
    if (!picked) throw new ImageError(`base image ${name}: its ${PLATFORM.os}/${PLATFORM.architecture} manifest ${entry.digest} not found`, { details: { base: name } });
    manifest = picked;
  }
  if (manifest.mediaType !== MediaType.ociManifest && manifest.mediaType !== MediaType.dockerManifest) {
    throw new ImageError(`base image ${name} is of media type ${manifest.mediaType || '(none)'}: expected an OCI or Docker v2 image manifest`, { details: { base: name } });
  }
  const parsed = parse(manifestSchema, manifest.bytes, name, 'manifest');
  const config = parse(imageConfigSchema, await client.getBlob(ref.repository, parsed.config.digest), name, 'config');
  if (config.rootfs.diff_ids.length !== parsed.layers.length) throw new ImageError(`base image ${name}: its config lists ${config.rootfs.diff_ids.length} layers, its manifest ${parsed.layers.length}`, { details: { base: name } });
  return { digest: manifest.digest, config, layers: parsed.layers };
}

function parse<T extends z.ZodType>(schema: T, bytes: Buffer, name: string, what: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ImageError(`base image ${name}: its ${what} is not JSON`, { details: { base: name } });
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new ImageError(`base image ${name}: its ${what} is not a valid image ${what}: ${result.error.issues[0]?.message ?? ''}`, { details: { base: name } });
  return result.data;
}
