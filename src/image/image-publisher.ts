// The ImagePublisher port: a run's build output as an OCI image in a registry. The build stage
// sees only this; the composition root picks the implementation (registry-publisher.ts) when
// the server has --registry.
import type { ImageSpec } from '../spec/spec.ts';

export interface ImageBuildRequest {
  /** The workspace the artifact was packed from (same files, same filters). */
  dir: string;
  project: string;
  /** The project's repository, for the `org.opencontainers.image.source` label. */
  repo: string;
  runId: string;
  runNumber: number;
  commitSha: string;
  artifactDigest: string;
  image: ImageSpec;
  /** The first service: its `start` becomes Cmd and its env Env; null when there is none. */
  service: { start: string; env: Readonly<Record<string, string>> } | null;
  signal?: AbortSignal;
}

export interface PublishedImage {
  /** `host/repository:tag@sha256:…`: what `skopeo inspect docker://…` and a cluster pull. */
  reference: string;
  /** The manifest's digest. */
  digest: string;
  /** The base image's manifest digest it was built on. */
  baseDigest: string;
}

export interface ImagePublisher {
  /** Builds the image of a run and pushes it, tagged `rN` (N: the run number). */
  publish(req: ImageBuildRequest): Promise<PublishedImage>;
}
