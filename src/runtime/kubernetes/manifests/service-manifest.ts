import type { Manifest } from './object-meta.ts';
import { labelsOf, namespaceOf, selectorOf, workloadNameOf, type ReleaseObjectRef } from './names.ts';

/** The Service in front of one service of a release: what the Gateway API router weights. */
export function serviceManifest(ref: ReleaseObjectRef): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workloadNameOf(ref), namespace: namespaceOf(ref.project, ref.environment), labels: labelsOf(ref) },
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(ref),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
