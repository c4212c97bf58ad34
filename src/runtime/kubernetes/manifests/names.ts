// Names and labels of the objects of a release. Names are DNS-1123 labels (at most 63
// characters, [a-z0-9-], starting with a letter so a Service name is also a DNS-1035 label):
// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
import { createHash } from 'node:crypto';

export type ReleaseRole = 'primary' | 'baseline';

export interface ReleaseObjectRef {
  project: string;
  environment: string;
  release: number;
  service: string;
  role: ReleaseRole;
}

export const FIELD_MANAGER = 'sluice';
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  project: 'sluice.dev/project',
  environment: 'sluice.dev/environment',
  release: 'sluice.dev/release',
  service: 'sluice.dev/service',
  role: 'sluice.dev/role',
} as const;
/** The instance ids the engine started on a Deployment, comma-separated, in start order. */
export const INSTANCES_ANNOTATION = 'sluice.dev/instances';
/** The labels the engine gave the instances (JSON), returned as they were by listInstances. */
export const INSTANCE_LABELS_ANNOTATION = 'sluice.dev/instance-labels';
/** The service's readiness deadline in ms (the Deployment's progress deadline counts whole seconds). */
export const READY_DEADLINE_ANNOTATION = 'sluice.dev/ready-deadline-ms';
/** The ReplicaSet removes pods of lower cost first on scale-down: how a stop picks its pod. https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#pod-deletion-cost */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** A DNS-1123 label from free text: lower-cased, other characters as '-', too long ones cut and told apart by a hash. */
export function dnsLabel(text: string, max = 63): string {
  let label = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (label === '') label = 'x';
  if (label.length <= max && label === text) return label;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${label.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/** One namespace per project and environment. */
export function namespaceOf(project: string, environment: string): string {
  return dnsLabel(`sluice-${project}-${environment}`);
}

/** The Deployment, the Service and (with a suffix) the Secret of one service of a release in a role. */
export function workloadNameOf(ref: Pick<ReleaseObjectRef, 'service' | 'release' | 'role'>): string {
  return dnsLabel(`${ref.service}-r${ref.release}${ref.role === 'baseline' ? '-baseline' : ''}`, 55);
}

export function secretNameOf(ref: Pick<ReleaseObjectRef, 'service' | 'release' | 'role'>): string {
  return `${workloadNameOf(ref)}-env`;
}

/** Label values: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends. */
function labelValue(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9-_.]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return clean.length <= 63 ? clean : `${clean.slice(0, 54)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** The labels of every object of a release: which project, environment, release, service and role. */
export function labelsOf(ref: ReleaseObjectRef): Record<string, string> {
  return {
    [LABEL.managedBy]: FIELD_MANAGER,
    [LABEL.name]: labelValue(ref.service),
    [LABEL.project]: labelValue(ref.project),
    [LABEL.environment]: labelValue(ref.environment),
    [LABEL.release]: String(ref.release),
    [LABEL.service]: labelValue(ref.service),
    [LABEL.role]: ref.role,
  };
}

/** The labels that pick the pods of one Deployment (immutable once applied, so no app-wide labels). */
export function selectorOf(ref: ReleaseObjectRef): Record<string, string> {
  const all = labelsOf(ref);
  return { [LABEL.project]: all[LABEL.project]!, [LABEL.environment]: all[LABEL.environment]!, [LABEL.release]: all[LABEL.release]!, [LABEL.service]: all[LABEL.service]!, [LABEL.role]: ref.role };
}
