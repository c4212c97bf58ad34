// How much instance output the data plane keeps: a cap per environment, split among the
// environment's instances, in rotated files that are also removed by age.
import type { InstanceLogLimits } from '../runtime/process/log-writer.ts';

export interface InstanceLogPolicy {
  /** Bytes of instance logs of one environment (every instance and rotated file, old releases included). */
  maxBytesPerEnvironment: number;
  /** Files older than this (by their newest line) are removed. */
  maxAgeMs: number;
  /** Rotated files per instance beside the one written. */
  rotatedFiles: number;
}

export const defaultInstanceLogPolicy: InstanceLogPolicy = {
  maxBytesPerEnvironment: 100 * 1024 * 1024,
  maxAgeMs: 7 * 86_400_000,
  rotatedFiles: 4,
};

/** Instance ids are PROJECT.ENV.SERVICE.rN.I (names are DNS labels, without dots): the environment is the first two parts. */
export function environmentOfInstance(id: string): string {
  return id.split('.').slice(0, 2).join('.');
}

/** One instance's share of its environment's cap, among `instances` of that environment. */
export function instanceShare(policy: InstanceLogPolicy, instances: number): InstanceLogLimits {
  return { maxBytes: Math.floor(policy.maxBytesPerEnvironment / Math.max(1, instances)), rotatedFiles: policy.rotatedFiles, maxAgeMs: policy.maxAgeMs };
}
