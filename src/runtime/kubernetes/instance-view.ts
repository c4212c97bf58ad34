// Which pod runs which instance, and what state each instance is in, from the cached
// Deployments and Pods. A Deployment's instances are the ids in its annotation; pods are
// anonymous, so an instance keeps the pod it was given while that pod lives, and an instance
// without one takes the oldest unclaimed pod (a replacement after a node was lost).
import type { InstanceInfo } from '../runtime.ts';
import { INSTANCE_LABELS_ANNOTATION, INSTANCES_ANNOTATION, LABEL, READY_DEADLINE_ANNOTATION, type Manifest } from './manifests/index.ts';
import { podInstanceState, type PodView } from './pod-instance-state.ts';

export interface DeploymentView extends Manifest {
  spec?: { selector?: { matchLabels?: Record<string, string> }; template?: { spec?: { containers?: Array<{ readinessProbe?: { httpGet?: { path?: string } } }> } } };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export interface ViewState {
  /** instance id → pod uid it runs in. */
  assigned: Map<string, string>;
  /** Pods (uid) seen ready once. */
  everReady: Set<string>;
  /** Instances being stopped: they keep their terminating pod. */
  stopping: Set<string>;
}

export interface InstanceView {
  info: InstanceInfo;
  deployment: DeploymentView;
  pod: PodView | null;
}

export const instanceIdsOf = (d: Manifest): string[] => (d.metadata.annotations?.[INSTANCES_ANNOTATION] ?? '').split(',').filter(Boolean);

export function podsOfDeployment(d: DeploymentView, pods: readonly PodView[]): PodView[] {
  const selector = Object.entries(d.spec?.selector?.matchLabels ?? {});
  return pods
    .filter((p) => p.metadata.namespace === d.metadata.namespace && selector.every(([k, v]) => p.metadata.labels?.[k] === v))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

export function viewInstances(deployments: readonly DeploymentView[], pods: readonly PodView[], state: ViewState, now: number): InstanceView[] {
  const out: InstanceView[] = [];
  for (const d of deployments) {
    if (d.metadata.labels?.[LABEL.managedBy] !== 'sluice') continue;
    const ids = instanceIdsOf(d);
    const mine = podsOfDeployment(d, pods);
    const byUid = new Map(mine.map((p) => [p.metadata.uid ?? p.metadata.name, p]));
    const claimed = new Set<string>();
    const podOf = new Map<string, PodView>();
    for (const id of ids) {
      const uid = state.assigned.get(id);
      const pod = uid ? byUid.get(uid) : undefined;
      if (pod && (!pod.metadata.deletionTimestamp || state.stopping.has(id))) {
        podOf.set(id, pod);
        claimed.add(uid!);
      }
    }
    const free = mine.filter((p) => !p.metadata.deletionTimestamp && !claimed.has(p.metadata.uid ?? p.metadata.name));
    for (const id of ids) {
      if (podOf.has(id)) continue;
      const pod = free.shift();
      if (!pod) continue;
      podOf.set(id, pod);
      state.assigned.set(id, pod.metadata.uid ?? pod.metadata.name);
    }
    let labels: Record<string, string> = {};
    try {
      labels = JSON.parse(d.metadata.annotations?.[INSTANCE_LABELS_ANNOTATION] ?? '{}') as Record<string, string>;
    } catch {
      // an annotation edited by hand: the instances go without labels
    }
    const path = d.spec?.template?.spec?.containers?.[0]?.readinessProbe?.httpGet?.path ?? null;
    const deadlineMs = Number(d.metadata.annotations?.[READY_DEADLINE_ANNOTATION] ?? 60_000);
    const stalled = d.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') ?? false;
    for (const id of ids) {
      const pod = podOf.get(id) ?? null;
      const uid = pod?.metadata.uid ?? pod?.metadata.name;
      let s = podInstanceState(pod, { everReady: uid !== undefined && state.everReady.has(uid), health: { path, deadlineMs }, now });
      if (s.state === 'starting' && stalled) s = { ...s, state: 'failed', reason: path ? `health check ${path} did not pass within ${deadlineMs} ms (ProgressDeadlineExceeded)` : `not ready within ${deadlineMs} ms (ProgressDeadlineExceeded)` };
      out.push({ info: { id, state: s.state, port: null, pid: null, restarts: s.restarts, reason: s.reason, labels }, deployment: d, pod });
    }
  }
  return out;
}
