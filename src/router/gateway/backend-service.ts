// Which Kubernetes Service serves a backend of the Router port: the engine names instances
// PROJECT.ENV.SERVICE.rN.I (baseline: .bI), and the Kubernetes runtime puts one Service in
// front of each (service, release, role), in the environment's namespace.
import { namespaceOf, workloadNameOf } from '../../runtime/kubernetes/manifests/names.ts';

export interface BackendService {
  project: string;
  environment: string;
  namespace: string;
  /** The Service's name. */
  name: string;
}

/** The Service of an instance id; null for an id that is not the engine's. */
export function backendServiceOf(instanceId: string): BackendService | null {
  const m = /^([^.]+)\.([^.]+)\.([^.]+)\.r(\d+)\.(b?)\d+$/.exec(instanceId);
  if (!m) return null;
  const [, project, environment, service, release, baseline] = m as unknown as [string, string, string, string, string, string];
  return {
    project,
    environment,
    namespace: namespaceOf(project, environment),
    name: workloadNameOf({ service, release: Number(release), role: baseline ? 'baseline' : 'primary' }),
  };
}
