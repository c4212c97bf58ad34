// A release's secret values as a Secret named after the release, so a rollback's Deployment
// reads the values of its own release. Owned by that Deployment (ownerReferences): deleting the
// release's Deployment lets the garbage collector remove its Secret with it.
// https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/
import type { Manifest, OwnerReference } from './object-meta.ts';
import { labelsOf, namespaceOf, secretNameOf, type ReleaseObjectRef } from './names.ts';

export function secretManifest(ref: ReleaseObjectRef, values: Record<string, string>, owner: OwnerReference | null): Manifest {
  const data = Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretNameOf(ref),
      namespace: namespaceOf(ref.project, ref.environment),
      labels: labelsOf(ref),
      ...(owner ? { ownerReferences: [{ ...owner, blockOwnerDeletion: true }] } : {}),
    },
    type: 'Opaque',
    data,
  };
}
