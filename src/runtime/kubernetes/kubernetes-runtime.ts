// The Runtime port on Kubernetes. A release's service runs as a Deployment (with a Service and,
// for secret env, a Secret it owns) in the namespace of its project and environment, applied with
// server-side apply as field manager `sluice`. The engine's instances are that Deployment's
// replicas: starting one adds its id and a replica, stopping one marks its pod cheapest to delete
// and removes a replica; no instance left is replicas: 0 (a preview scaled to zero). States are
// read from Deployment and Pod status through list + watch caches; pod logs are copied into the
// instance log spool the server already ingests into the log store.
import { mkdir, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, RuntimeError } from '../../errors.ts';
import { instanceLogPath } from '../../dataplane/data-plane-paths.ts';
import type { InstanceInfo, InstanceRequest, Runtime } from '../runtime.ts';
import type { PlatformEnv } from '../process/process-runtime.ts';
import { openKubeApi, type KubeApi, type KubeconfigSource } from './kube-api.ts';
import { ObjectCache } from './object-cache.ts';
import {
  deploymentManifest,
  FIELD_MANAGER,
  LABEL,
  namespaceManifest,
  namespaceOf,
  POD_DELETION_COST,
  secretManifest,
  serviceManifest,
  workloadNameOf,
  type Manifest,
  type ReleaseObjectRef,
} from './manifests/index.ts';
import { instanceIdsOf, viewInstances, type InstanceView, type ViewState } from './instance-view.ts';
import { isPodReady, type PodView } from './pod-instance-state.ts';
import { PodLogCopier } from './pod-log-copier.ts';

export interface KubernetesRuntimeOptions {
  kubeconfig: KubeconfigSource;
  /** The server's data directory: instance logs are spooled under it, as on the process runtime. */
  dataDir: string;
  /** The release's OCI image (`host/repo:rN@sha256:…`) from its record; null: the release has none. */
  imageOf: (release: { project: string; environment: string; number: number }) => Promise<string | null>;
  platformEnv?: PlatformEnv | null;
  /** How often pod logs are read (default 2000 ms). */
  logPollMs?: number;
  /** Opens the API (default: @kubernetes/client-node, loaded on first use). */
  openApi?: (source: KubeconfigSource) => Promise<KubeApi>;
}

interface Connected {
  api: KubeApi;
  deployments: ObjectCache;
  pods: ObjectCache;
  logs: PodLogCopier;
}

const selector = `${LABEL.managedBy}=${FIELD_MANAGER}`;
const stopTimeoutMs = 60_000;

export class KubernetesRuntime implements Runtime {
  readonly #options: KubernetesRuntimeOptions;
  #connected: Promise<Connected> | null = null;
  readonly #view: ViewState = { assigned: new Map(), everReady: new Set(), stopping: new Set() };
  /** One change at a time per Deployment: its replica count is read, changed and applied. */
  readonly #locks = new Map<string, Promise<void>>();
  /** The manifest last applied per Deployment (a stop re-applies it with one replica fewer). */
  readonly #applied = new Map<string, Manifest>();
  /** Namespaces this process applied (a prepare applies each once; a 404 later forgets it). */
  readonly #namespaces = new Set<string>();
  /** The namespace of each instance this process started (after a restart: found by a full scan). */
  readonly #namespaceOf = new Map<string, string>();
  #closed = false;

  constructor(options: KubernetesRuntimeOptions) {
    this.#options = options;
  }

  /** Connects and fills the caches on first use; the client library is loaded only then. */
  #connect(): Promise<Connected> {
    this.#connected ??= (async () => {
      const api = await (this.#options.openApi ?? openKubeApi)(this.#options.kubeconfig);
      const deployments = new ObjectCache(api, { apiVersion: 'apps/v1', kind: 'Deployment', path: '/apis/apps/v1/deployments', labelSelector: selector });
      const pods = new ObjectCache(api, { apiVersion: 'v1', kind: 'Pod', path: '/api/v1/pods', labelSelector: selector });
      pods.onChange((ns) => {
        for (const p of (ns === null ? pods.items() : pods.items(ns)) as PodView[]) if (isPodReady(p)) this.#view.everReady.add(p.metadata.uid ?? p.metadata.name);
      });
      await Promise.all([deployments.start(), pods.start()]);
      const logs = new PodLogCopier(api, () => this.#instances(deployments, pods), (id, lines) => this.#spool(id, lines), this.#options.logPollMs ?? 2000);
      if (this.#closed) {
        deployments.stop();
        pods.stop();
      } else logs.start();
      return { api, deployments, pods, logs };
    })();
    this.#connected.catch(() => {
      this.#connected = null; // the next call tries again
    });
    return this.#connected;
  }

  /** Stops the watches and the log copier (the server's shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    const c = await this.#connected?.catch(() => null);
    c?.deployments.stop();
    c?.pods.stop();
    await c?.logs.stop();
  }

  async prepare(release: { key: string; artifactDigest: string }): Promise<string> {
    const r = parseReleaseKey(release.key);
    const image = await this.#options.imageOf(r);
    if (!image) throw new RuntimeError(`release ${release.key} has no OCI image: the Kubernetes runtime runs images (add an image: block to sluice.yaml and a --registry)`, { details: { key: release.key } });
    const { api } = await this.#connect();
    const ns = namespaceOf(r.project, r.environment);
    if (!this.#namespaces.has(ns)) {
      await api.apply(namespaceManifest(r.project, r.environment));
      this.#namespaces.add(ns);
    }
    // What the engine passes back as each instance's workdir: the image to run.
    return image;
  }

  async removeRelease(key: string): Promise<boolean> {
    const r = parseReleaseKey(key);
    const { api, deployments } = await this.#connect();
    const ns = namespaceOf(r.project, r.environment);
    const mine = deployments.items(ns).filter((d) => d.metadata.labels?.[LABEL.release] === String(r.number));
    for (const d of mine) {
      // The Secret is owned by the Deployment: the garbage collector removes it.
      await api.remove({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: d.metadata.name });
      await api.remove({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: d.metadata.name });
      this.#applied.delete(`${ns}/${d.metadata.name}`);
    }
    return mine.length > 0;
  }

  async startInstance(req: InstanceRequest): Promise<void> {
    const ref = refOf(req);
    const platform = this.#options.platformEnv ? await this.#options.platformEnv(req.labels) : { env: {}, secretEnv: {} };
    const own = new Set([...Object.keys(req.env), ...Object.keys(req.secretEnv)]);
    const keep = (vars: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(vars).filter(([k]) => !own.has(k)));
    const env = { ...keep(platform.env), ...req.env };
    const secretEnv = { ...keep(platform.secretEnv), ...req.secretEnv };
    const { api, deployments } = await this.#connect();
    const ns = namespaceOf(ref.project, ref.environment);
    const name = workloadNameOf(ref);
    this.#namespaceOf.set(req.id, ns);
    await this.#locked(`${ns}/${name}`, async () => {
      try {
        await this.#apply(api, deployments, ref, req, env, secretEnv);
      } catch (error) {
        // The namespace was deleted behind our back: the next prepare applies it again.
        if (error instanceof RuntimeError && error.details?.status === 404) this.#namespaces.delete(ns);
        throw error;
      }
    });
  }

  /** The Deployment with one more instance; with the first: the Secret before it, the Service and the Secret owned by it after. */
  async #apply(api: KubeApi, deployments: ObjectCache, ref: ReleaseObjectRef, req: InstanceRequest, env: Record<string, string>, secretEnv: Record<string, string>): Promise<void> {
    const ns = namespaceOf(ref.project, ref.environment);
    const name = workloadNameOf(ref);
    // What this process applied last is newer than the cache (a watch event may still be on its way).
    const live = this.#applied.get(`${ns}/${name}`) ?? deployments.items(ns).find((d) => d.metadata.name === name);
    const ids = live ? instanceIdsOf(live) : [];
    if (ids.includes(req.id)) return; // idempotent
    const secretKeys = Object.keys(secretEnv);
    // The Secret first (pods read it when they start), then owned by the Deployment once that has a uid.
    if (secretKeys.length > 0 && !live) await api.apply(secretManifest(ref, secretEnv, null));
    const manifest = deploymentManifest({ ref, image: req.workdir, command: req.command, env, secretKeys, health: req.health, limits: req.limits, instances: [...ids, req.id], instanceLabels: req.labels });
    const applied = await api.apply(manifest);
    this.#applied.set(`${ns}/${name}`, manifest);
    if (live) return; // the Service and the owned Secret came with the first instance
    await api.apply(serviceManifest(ref));
    if (secretKeys.length > 0) await api.apply(secretManifest(ref, secretEnv, { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: applied.metadata.uid ?? '' }));
  }

  async waitReady(id: string, timeoutMs: number): Promise<void> {
    const { deployments, pods } = await this.#connect();
    const deadline = Date.now() + timeoutMs;
    const ns = this.#namespaceOf.get(id);
    for (;;) {
      const view = this.#instances(deployments, pods, ns).find((v) => v.info.id === id);
      const s = view?.info;
      if (s?.state === 'ready') return;
      if (s?.state === 'failed') throw new RuntimeError(`instance ${id} failed: ${s.reason ?? 'unknown reason'}`, { details: { ...s } });
      if (s && (s.state === 'stopping' || s.state === 'stopped')) throw new RuntimeError(`instance ${id} was stopped before it became ready`, { details: { ...s } });
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new RuntimeError(`instance ${id} not ready within ${timeoutMs} ms (state ${s?.state ?? 'unknown'}${s?.reason ? `: ${s.reason}` : ''})`, { retryable: true, details: { id, ...s } });
      }
      // Woken by a change in its namespace; a tick as well, for the time-based deadline.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1000));
        const mine = (changed: string | null): void => {
          if (changed === null || ns === undefined || changed === ns) done();
        };
        const offD = deployments.onChange(mine);
        const offP = pods.onChange(mine);
        function done(): void {
          clearTimeout(timer);
          offD();
          offP();
          resolve();
        }
      });
    }
  }

  async stopInstance(id: string): Promise<void> {
    const { api, deployments, pods } = await this.#connect();
    const ns = this.#namespaceOf.get(id);
    const view = this.#instances(deployments, pods, ns).find((v) => v.info.id === id);
    if (!view) return;
    const d = view.deployment;
    const key = `${d.metadata.namespace ?? ''}/${d.metadata.name}`;
    this.#view.stopping.add(id);
    try {
      let podUid: string | null = null;
      await this.#locked(key, async () => {
        const live = this.#applied.get(key) ?? deployments.items(d.metadata.namespace).find((x) => x.metadata.name === d.metadata.name) ?? d;
        const ids = instanceIdsOf(live);
        if (!ids.includes(id)) return;
        const pod = this.#instances(deployments, pods, d.metadata.namespace).find((v) => v.info.id === id)?.pod ?? null;
        if (pod) {
          podUid = pod.metadata.uid ?? pod.metadata.name;
          await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace ?? '', annotations: { [POD_DELETION_COST]: '-1000' } } });
        }
        const base = this.#applied.get(key) ?? fromLive(live);
        const rest = ids.filter((x) => x !== id);
        const manifest = withInstances(base, rest);
        await api.apply(manifest);
        this.#applied.set(key, manifest);
      });
      // Drained: the pod ends within its termination grace period.
      const deadline = Date.now() + stopTimeoutMs;
      while (podUid !== null && pods.items(d.metadata.namespace).some((p) => (p.metadata.uid ?? p.metadata.name) === podUid) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 1000);
          const off = pods.onChange(done);
          function done(): void {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      }
    } finally {
      this.#view.stopping.delete(id);
      this.#view.assigned.delete(id);
      this.#namespaceOf.delete(id);
    }
  }

  async listInstances(): Promise<InstanceInfo[]> {
    const { deployments, pods } = await this.#connect();
    return this.#instances(deployments, pods).map((v) => v.info);
  }

  logFileOf(id: string): string {
    return instanceLogPath(this.#options.dataDir, id);
  }

  /** The instances of one namespace, or of all (namespace undefined). */
  #instances(deployments: ObjectCache, pods: ObjectCache, namespace?: string): InstanceView[] {
    return viewInstances(deployments.items(namespace), pods.items(namespace), this.#view, Date.now());
  }

  async #spool(id: string, lines: Array<{ ts: string; line: string }>): Promise<void> {
    const file = this.logFileOf(id);
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, lines.map((l) => `${JSON.stringify({ ts: l.ts, stream: 'stdout', line: l.line })}\n`).join(''));
  }

  async #locked(key: string, fn: () => Promise<void>): Promise<void> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => {});
    this.#locks.set(key, tail);
    try {
      await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}

/** `PROJECT/ENV/rN` (releaseKey in src/engine/deploy/release-retention.ts). */
function parseReleaseKey(key: string): { project: string; environment: string; number: number } {
  const m = /^([^/]+)\/([^/]+)\/r(\d+)$/.exec(key);
  if (!m) throw new InvalidInputError(`release key ${JSON.stringify(key)} is not PROJECT/ENV/rN`, { key });
  return { project: m[1]!, environment: m[2]!, number: Number(m[3]) };
}

function refOf(req: InstanceRequest): ReleaseObjectRef {
  const { project, environment, service, release, role } = req.labels;
  if (!project || !environment || !service || !release) throw new InvalidInputError(`instance ${req.id} lacks the project, environment, service or release label`, { id: req.id });
  return { project, environment, service, release: Number(release), role: role === 'baseline' ? 'baseline' : 'primary' };
}

/** A Deployment's manifest rebuilt from the live object (after a restart, nothing applied yet in this process). */
function fromLive(live: Manifest): Manifest {
  const { name, namespace, labels, annotations } = live.metadata;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, spec: structuredClone(live.spec) };
}

function withInstances(m: Manifest, ids: string[]): Manifest {
  const next = structuredClone(m);
  next.metadata.annotations = { ...next.metadata.annotations, 'sluice.dev/instances': ids.join(',') };
  (next.spec as { replicas: number }).replicas = ids.length;
  return next;
}
