import type { Manifest } from './object-meta.ts';
import { FIELD_MANAGER, LABEL, namespaceOf } from './names.ts';

/** The namespace of one project and environment. */
export function namespaceManifest(project: string, environment: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespaceOf(project, environment), labels: { [LABEL.managedBy]: FIELD_MANAGER } },
  };
}
