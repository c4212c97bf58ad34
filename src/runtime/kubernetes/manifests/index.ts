export { releaseManifests, type ReleaseInput, type ReleaseServiceInput } from './release-manifests.ts';
export { deploymentManifest, CONTAINER_PORT, type DeploymentInput } from './deployment-manifest.ts';
export { serviceManifest } from './service-manifest.ts';
export { secretManifest } from './secret-manifest.ts';
export { namespaceManifest } from './namespace-manifest.ts';
export { FIELD_MANAGER, INSTANCE_LABELS_ANNOTATION, INSTANCES_ANNOTATION, POD_DELETION_COST, READY_DEADLINE_ANNOTATION, LABEL, labelsOf, namespaceOf, secretNameOf, selectorOf, workloadNameOf, type ReleaseObjectRef, type ReleaseRole } from './names.ts';
export type { Manifest, ObjectMeta, OwnerReference } from './object-meta.ts';
