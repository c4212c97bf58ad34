// The simulated control loops behind the simulated API server: a Deployment controller (pods
// for spec.replicas, status through the status subresource), a scheduler (pods onto nodes), a
// kubelet (pull, start, readiness, crash loops, logs) and the node lifecycle controller (a lost
// node's pods become not ready, then are evicted and replaced). Simplification, stated in the
// decision: pods belong to the Deployment directly (no ReplicaSet), and a changed pod template
// replaces every pod at once.
import { randomBytes } from 'node:crypto';
import { ApiError, metaOf, type FakeObjectStore, type StoredEvent } from './fake-object-store.ts';
import { recordUpdate, str, type JsonObject } from './server-side-apply.ts';

export type PodBehaviour =
  | { kind: 'ready'; logs?: string[] }
  | { kind: 'never-ready'; logs?: string[] }
  | { kind: 'crash'; exitCode: number; logs: string[] };

export interface PodFacts {
  namespace: string;
  name: string;
  image: string;
  command: string[];
  /** The container's plain env values (valueFrom ones are left out). */
  env: Record<string, string>;
  labels: Record<string, string>;
}

export interface ControllerOptions {
  /** From container start to passing the readiness probe (default 30 ms). */
  readyAfterMs?: number;
  /** What the container does (default: becomes ready). */
  behaviour?: (pod: PodFacts) => PodBehaviour;
  /** Whether the image can be pulled (default: yes). */
  pullable?: (image: string) => boolean;
  /** The first crash-loop and image-pull back-off (default 40 ms; the kubelet's is 10 s), doubling up to 16×. */
  backoffMs?: number;
  /** Between a pod's deletion and its removal (graceful termination; default 20 ms). */
  podGraceMs?: number;
  /** From a node lost to its pods evicted (the default toleration is 300 s; here 100 ms). */
  evictAfterMs?: number;
  nodes?: string[];
}

export interface LogLine {
  at: string;
  line: string;
}

const MANAGER = 'kube-controller-manager';
const TEMPLATE_HASH = 'pod-template-hash';
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

export class FakeDeploymentController {
  readonly #store: FakeObjectStore;
  readonly #opts: Required<Omit<ControllerOptions, 'nodes'>>;
  readonly #nodes: Map<string, { lost: boolean }>;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #podTimers = new Map<string, Set<NodeJS.Timeout>>();
  readonly #logs = new Map<string, LogLine[]>();
  readonly #pending = new Set<string>();
  readonly #lastProgress = new Map<string, { ready: number; generation: number; at: number }>();
  readonly #off: () => void;
  #nextNode = 0;
  #stopped = false;

  constructor(store: FakeObjectStore, options: ControllerOptions = {}) {
    this.#store = store;
    this.#opts = {
      readyAfterMs: options.readyAfterMs ?? 30,
      behaviour: options.behaviour ?? (() => ({ kind: 'ready' })),
      pullable: options.pullable ?? (() => true),
      backoffMs: options.backoffMs ?? 40,
      podGraceMs: options.podGraceMs ?? 20,
      evictAfterMs: options.evictAfterMs ?? 100,
    };
    this.#nodes = new Map((options.nodes ?? ['node-1', 'node-2']).map((n) => [n, { lost: false }]));
    this.#off = store.onEvent((e) => this.#onEvent(e));
  }

  /** Changes what new containers do (e.g. a test's next release crashes). */
  setBehaviour(behaviour: (pod: PodFacts) => PodBehaviour): void {
    this.#opts.behaviour = behaviour;
  }

  stop(): void {
    this.#stopped = true;
    this.#off();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  logsOf(namespace: string, pod: string): LogLine[] | null {
    return this.#store.get('pods', namespace, pod) ? [...(this.#logs.get(`${namespace}/${pod}`) ?? [])] : null;
  }

  appendLog(namespace: string, pod: string, line: string): void {
    const key = `${namespace}/${pod}`;
    const lines = this.#logs.get(key) ?? [];
    lines.push({ at: new Date().toISOString(), line });
    this.#logs.set(key, lines);
  }

  /**
   * A node stops answering: the node lifecycle controller marks its pods not ready, then, past
   * the toleration of the node.kubernetes.io/unreachable taint, evicts them; their Deployment
   * replaces them on the nodes left.
   * https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
   */
  loseNode(node: string): void {
    const n = this.#nodes.get(node);
    if (!n) throw new Error(`no node ${node}`);
    n.lost = true;
    for (const pod of this.#store.list('pods', null, null).filter((p) => (p.spec as JsonObject).nodeName === node)) {
      const m = metaOf(pod);
      this.#clearPodTimers(`${str(m.namespace)}/${str(m.name)}`);
      this.#setPodStatus(str(m.namespace), str(m.name), (s) => {
        s.reason = 'NodeLost';
        s.message = `Node ${node} which was running pod ${str(m.name)} is unresponsive`;
        s.conditions = conditions(s, { Ready: 'False', ContainersReady: 'False' });
      });
      this.#later(this.#opts.evictAfterMs, () => this.#tryDeletePod(str(m.namespace), str(m.name)));
    }
  }

  /** Graceful deletion: deletionTimestamp now, removed after the grace period. https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination */
  deletePod(namespace: string, name: string): JsonObject {
    const pod = this.#store.get('pods', namespace, name);
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
    const m = metaOf(pod);
    if (m.deletionTimestamp) return pod;
    m.deletionTimestamp = new Date().toISOString();
    this.#clearPodTimers(`${namespace}/${name}`);
    const marked = this.#store.update('pods', pod, { checkVersion: false });
    this.#later(this.#opts.podGraceMs, () => {
      if (!this.#store.get('pods', namespace, name)) return;
      this.#store.remove('pods', namespace, name);
      this.#logs.delete(`${namespace}/${name}`);
    });
    return marked;
  }

  /** Background cascading deletion: the dependents of a deleted owner, or everything in a deleted namespace. */
  collectGarbage(what: { ownerUid: string } | { namespace: string }): void {
    for (const resource of ['pods', 'secrets', 'services', 'deployments']) {
      for (const o of this.#store.list(resource, 'namespace' in what ? what.namespace : null, null)) {
        const m = metaOf(o);
        const owned = 'ownerUid' in what && ((m.ownerReferences as JsonObject[] | undefined) ?? []).some((r) => r.uid === what.ownerUid);
        if (!('namespace' in what) && !owned) continue;
        if (resource === 'pods') this.#tryDeletePod(str(m.namespace), str(m.name));
        else if (this.#store.get(resource, str(m.namespace), str(m.name))) {
          const gone = this.#store.remove(resource, str(m.namespace), str(m.name));
          this.collectGarbage({ ownerUid: str(metaOf(gone).uid) });
        }
      }
    }
  }

  #onEvent(e: StoredEvent): void {
    if (this.#stopped) return;
    const m = metaOf(e.object);
    if (e.resource === 'deployments') this.#schedule(str(m.namespace), str(m.name));
    if (e.resource === 'pods') {
      const owner = ((m.ownerReferences as JsonObject[] | undefined) ?? []).find((r) => r.kind === 'Deployment');
      if (owner) this.#schedule(str(m.namespace), str(owner.name));
    }
  }

  #schedule(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.#later(0, () => {
      this.#pending.delete(key);
      this.#reconcile(namespace, name);
    });
  }

  /** The Deployment controller's loop: pods for spec.replicas, then status. https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ */
  #reconcile(namespace: string, name: string): void {
    const d = this.#store.get('deployments', namespace, name);
    if (!d) return;
    const spec = d.spec as JsonObject;
    const template = spec.template as JsonObject;
    const hash = templateHash(template);
    const uid = str(metaOf(d).uid);
    const pods = this.#store.list('pods', namespace, null).filter((p) => ((metaOf(p).ownerReferences as JsonObject[] | undefined) ?? []).some((r) => r.uid === uid));
    for (const p of pods) if ((metaOf(p).labels as Record<string, string>)[TEMPLATE_HASH] !== hash) this.#tryDeletePod(namespace, str(metaOf(p).name));
    const live = pods.filter((p) => !metaOf(p).deletionTimestamp && (metaOf(p).labels as Record<string, string>)[TEMPLATE_HASH] === hash);
    const replicas = Number(spec.replicas ?? 1);
    for (let i = live.length; i < replicas; i++) this.#createPod(d, hash);
    if (live.length > replicas) for (const p of scaleDownOrder(live).slice(0, live.length - replicas)) this.#tryDeletePod(namespace, str(metaOf(p).name));
    this.#writeStatus(d, live.slice(0, replicas));
  }

  /**
   * Status through the status subresource: replicas, readyReplicas, availableReplicas, and the
   * Available and Progressing conditions (ProgressDeadlineExceeded past progressDeadlineSeconds).
   * https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status
   */
  #writeStatus(d: JsonObject, pods: JsonObject[]): void {
    const m = metaOf(d);
    const key = `${str(m.namespace)}/${str(m.name)}`;
    const spec = d.spec as JsonObject;
    const replicas = Number(spec.replicas ?? 1);
    const ready = pods.filter(isReady).length;
    const generation = Number(m.generation ?? 1);
    const now = Date.now();
    const last = this.#lastProgress.get(key);
    if (!last || last.generation !== generation || ready > last.ready) this.#lastProgress.set(key, { ready, generation, at: now });
    const since = this.#lastProgress.get(key)!.at;
    const deadlineMs = Number(spec.progressDeadlineSeconds ?? 600) * 1000;
    const complete = ready >= replicas;
    const stalled = !complete && now - since > deadlineMs;
    if (!complete && !stalled) this.#later(Math.max(0, since + deadlineMs - now + 5), () => this.#schedule(str(m.namespace), str(m.name)));
    const old = (d.status as JsonObject | undefined) ?? {};
    const status: JsonObject = {
      observedGeneration: generation,
      replicas: pods.length,
      updatedReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, replicas - ready),
      conditions: [
        condition(old, 'Available', ready >= replicas ? 'True' : 'False', ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'),
        condition(old, 'Progressing', stalled ? 'False' : 'True', stalled ? 'ProgressDeadlineExceeded' : complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated'),
      ],
    };
    if (JSON.stringify(withoutTimes(old)) === JSON.stringify(withoutTimes(status))) return;
    const next = { ...d, status };
    recordUpdate(d, next, MANAGER, new Date().toISOString(), 'status');
    this.#store.update('deployments', next, { checkVersion: false });
  }

  #createPod(d: JsonObject, hash: string): void {
    const dm = metaOf(d);
    const template = (d.spec as JsonObject).template as JsonObject;
    const namespace = str(dm.namespace);
    const name = `${str(dm.name)}-${suffix()}`;
    const nodes = [...this.#nodes].filter(([, n]) => !n.lost).map(([node]) => node);
    const node = nodes[this.#nextNode++ % Math.max(1, nodes.length)];
    const podSpec = structuredClone(template.spec as JsonObject);
    if (node) podSpec.nodeName = node;
    const pod: JsonObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        labels: { ...((metaOf(template).labels as Record<string, string> | undefined) ?? {}), [TEMPLATE_HASH]: hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: str(dm.name), uid: str(dm.uid), controller: true, blockOwnerDeletion: true }],
      },
      spec: podSpec,
      status: node
        ? { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [waiting(podSpec, 'ContainerCreating', '', 0)] }
        : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
    };
    recordUpdate(null, pod, MANAGER, new Date().toISOString());
    this.#store.create('pods', pod);
    if (node) this.#runKubelet(namespace, name, podSpec);
  }

  /** The kubelet's side of one pod: pull, start, probe, crash loop. https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ */
  #runKubelet(namespace: string, name: string, podSpec: JsonObject): void {
    const container = (podSpec.containers as JsonObject[])[0]!;
    const image = str(container.image);
    const facts: PodFacts = { namespace, name, image, command: (container.command as string[] | undefined) ?? [], env: Object.fromEntries(((container.env as JsonObject[] | undefined) ?? []).filter((e) => typeof e.value === 'string').map((e) => [str(e.name), str(e.value)])), labels: (metaOf(this.#store.get('pods', namespace, name)!).labels as Record<string, string>) };
    const key = `${namespace}/${name}`;
    if (!this.#opts.pullable(image)) {
      // ErrImagePull, then ImagePullBackOff while the kubelet backs off. https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff
      let attempt = 0;
      const pullFails = (): void => {
        const reason = attempt % 2 === 0 ? 'ErrImagePull' : 'ImagePullBackOff';
        const message = reason === 'ErrImagePull' ? `failed to pull and unpack image "${image}": not found` : `Back-off pulling image "${image}"`;
        this.#setPodStatus(namespace, name, (s) => {
          s.containerStatuses = [waiting(podSpec, reason, message, 0)];
        });
        attempt += 1;
        this.#podLater(key, this.#backoff(attempt), pullFails);
      };
      this.#podLater(key, 5, pullFails);
      return;
    }
    const behaviour = this.#opts.behaviour(facts);
    let restarts = 0;
    const start = (): void => {
      const startedAt = new Date().toISOString();
      for (const line of behaviour.logs ?? []) this.appendLog(namespace, name, line);
      this.#setPodStatus(namespace, name, (s) => {
        s.phase = 'Running';
        s.containerStatuses = [{ ...running(podSpec, startedAt, restarts), ...(s.containerStatuses as JsonObject[] | undefined)?.[0]?.lastState ? { lastState: (s.containerStatuses as JsonObject[])[0]!.lastState! } : {} }];
        s.conditions = conditions(s, { Ready: 'False', ContainersReady: 'False' });
      });
      if (behaviour.kind === 'ready') {
        this.#podLater(key, this.#opts.readyAfterMs, () =>
          this.#setPodStatus(namespace, name, (s) => {
            (s.containerStatuses as JsonObject[])[0]!.ready = true;
            s.conditions = conditions(s, { Ready: 'True', ContainersReady: 'True' });
          }),
        );
      }
      if (behaviour.kind === 'crash') {
        this.#podLater(key, 5, () => {
          restarts += 1;
          const delay = this.#backoff(restarts);
          // The last lines of the log become the termination message (terminationMessagePolicy: FallbackToLogsOnError).
          // https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/#customizing-the-termination-message
          const fallback = container.terminationMessagePolicy === 'FallbackToLogsOnError' ? behaviour.logs.slice(-80).join('\n') : '';
          this.#setPodStatus(namespace, name, (s) => {
            s.containerStatuses = [
              {
                ...waiting(podSpec, 'CrashLoopBackOff', `back-off ${delay}ms restarting failed container=app pod=${name}`, restarts),
                lastState: { terminated: { exitCode: behaviour.exitCode, reason: 'Error', message: fallback, startedAt, finishedAt: new Date().toISOString() } },
              },
            ];
          });
          this.#podLater(key, delay, start);
        });
      }
    };
    this.#podLater(key, 5, start);
  }

  #backoff(attempt: number): number {
    return this.#opts.backoffMs * 2 ** Math.min(attempt - 1, 4);
  }

  #setPodStatus(namespace: string, name: string, change: (status: JsonObject) => void): void {
    const pod = this.#store.get('pods', namespace, name);
    if (!pod || metaOf(pod).deletionTimestamp) return;
    const before = structuredClone(pod);
    const status = (pod.status as JsonObject | undefined) ?? {};
    change(status);
    pod.status = status;
    recordUpdate(before, pod, 'kubelet', new Date().toISOString(), 'status');
    this.#store.update('pods', pod, { checkVersion: false });
  }

  #tryDeletePod(namespace: string, name: string): void {
    try {
      this.deletePod(namespace, name);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }

  #clearPodTimers(key: string): void {
    for (const t of this.#podTimers.get(key) ?? []) {
      clearTimeout(t);
      this.#timers.delete(t);
    }
    this.#podTimers.delete(key);
  }

  #podLater(key: string, ms: number, fn: () => void): void {
    const set = this.#podTimers.get(key) ?? new Set();
    this.#podTimers.set(key, set);
    const t = this.#later(ms, () => {
      set.delete(t);
      fn();
    });
    set.add(t);
  }

  #later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }
}

function isReady(pod: JsonObject): boolean {
  return ((pod.status as JsonObject | undefined)?.conditions as JsonObject[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Which pods a scale-down removes first: unscheduled, then the lower pod-deletion-cost, then not
 * ready before ready, then the newer. https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#scaling-a-replicaset
 */
function scaleDownOrder(pods: JsonObject[]): JsonObject[] {
  const cost = (p: JsonObject): number => Number(((metaOf(p).annotations as Record<string, string> | undefined) ?? {})[DELETION_COST] ?? 0);
  const scheduled = (p: JsonObject): number => ((p.spec as JsonObject).nodeName ? 1 : 0);
  return [...pods].sort(
    (a, b) => scheduled(a) - scheduled(b) || cost(a) - cost(b) || Number(isReady(a)) - Number(isReady(b)) || str(metaOf(b).creationTimestamp).localeCompare(str(metaOf(a).creationTimestamp)),
  );
}

function conditions(status: JsonObject, set: Record<string, 'True' | 'False'>): JsonObject[] {
  const old = (status.conditions as JsonObject[] | undefined) ?? [];
  const now = new Date().toISOString();
  const kept = old.filter((c) => !(str(c.type) in set));
  return [...kept, ...Object.entries(set).map(([type, s]) => ({ type, status: s, lastTransitionTime: old.find((c) => c.type === type && c.status === s)?.lastTransitionTime ?? now }))];
}

function condition(old: JsonObject, type: string, status: string, reason: string): JsonObject {
  const was = ((old.conditions as JsonObject[] | undefined) ?? []).find((c) => c.type === type);
  const now = new Date().toISOString();
  return { type, status, reason, lastUpdateTime: now, lastTransitionTime: was && was.status === status ? (was.lastTransitionTime ?? now) : now };
}

function withoutTimes(status: JsonObject): JsonObject {
  return { ...status, conditions: ((status.conditions as JsonObject[] | undefined) ?? []).map((c) => ({ type: c.type ?? null, status: c.status ?? null, reason: c.reason ?? null })) };
}

function waiting(podSpec: JsonObject, reason: string, message: string, restartCount: number): JsonObject {
  const c = (podSpec.containers as JsonObject[])[0]!;
  return { name: str(c.name), image: str(c.image), ready: false, restartCount, state: { waiting: { reason, ...(message ? { message } : {}) } } };
}

function running(podSpec: JsonObject, startedAt: string, restartCount: number): JsonObject {
  const c = (podSpec.containers as JsonObject[])[0]!;
  return { name: str(c.name), image: str(c.image), ready: false, restartCount, started: true, state: { running: { startedAt } } };
}

function templateHash(template: JsonObject): string {
  let h = 2166136261;
  for (const ch of JSON.stringify(template)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0).toString(36);
}

function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}
