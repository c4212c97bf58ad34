// KubeObjects in memory with a Gateway controller behind it, for the Router contract without an
// API server. What it does follows the Gateway API spec:
// - metadata.generation goes up when the spec changes (Kubernetes API conventions, "metadata");
// - some time after a change, the controller writes status.parents[] for its Gateway with
//   Accepted and ResolvedRefs, each with the observedGeneration it saw
//   (https://gateway-api.sigs.k8s.io/reference/spec/#routeparentstatus);
// - ResolvedRefs is False, reason BackendNotFound, when a backendRef names a Service that does
//   not exist (https://gateway-api.sigs.k8s.io/reference/spec/#routeconditionreason);
// - Accepted is False, reason NotAllowedByListeners, for a route attached to another Gateway's
//   listeners that do not allow it (here: any parentRef other than the one Gateway).
import type { Manifest } from '../../../src/runtime/kubernetes/manifests/object-meta.ts';
import type { KubeObject, KubeObjects, ObjectRef } from '../../../src/router/gateway/kube-objects.ts';

export interface MemoryGatewayOptions {
  gateway: { namespace: string; name: string };
  /** How long the controller takes to write status after a change. */
  reconcileMs?: number;
  /** Services that exist ("namespace/name"); absent: every Service exists. */
  services?: Set<string>;
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class MemoryGateway implements KubeObjects {
  readonly routes = new Map<string, KubeObject>();
  applies = 0;
  private readonly opts: MemoryGatewayOptions;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: MemoryGatewayOptions) {
    this.opts = opts;
  }

  apply(manifest: Manifest): Promise<KubeObject> {
    this.applies++;
    const k = key(manifest.metadata.namespace, manifest.metadata.name);
    const had = this.routes.get(k);
    const changed = !had || JSON.stringify(had.spec) !== JSON.stringify(manifest.spec);
    const generation = (had?.metadata.generation ?? 0) + (changed ? 1 : 0);
    const stored: KubeObject = { ...structuredClone(manifest), metadata: { ...structuredClone(manifest.metadata), generation }, status: had?.status ?? {} };
    this.routes.set(k, stored);
    if (changed) this.reconcileLater(k);
    return Promise.resolve(structuredClone(stored));
  }

  read(ref: ObjectRef): Promise<KubeObject | null> {
    const r = this.routes.get(key(ref.namespace, ref.name));
    return Promise.resolve(r ? structuredClone(r) : null);
  }

  list(_apiVersion: string, _kind: string, labelSelector: string): Promise<KubeObject[]> {
    const [label, value] = labelSelector.split('=');
    return Promise.resolve([...this.routes.values()].filter((r) => r.metadata.labels?.[label!] === value).map((r) => structuredClone(r)));
  }

  remove(ref: ObjectRef): Promise<void> {
    this.routes.delete(key(ref.namespace, ref.name));
    return Promise.resolve();
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  private reconcileLater(k: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.reconcile(k);
    }, this.opts.reconcileMs ?? 20);
    this.timers.add(timer);
  }

  private reconcile(k: string): void {
    const r = this.routes.get(k);
    if (!r) return;
    const gw = this.opts.gateway;
    const spec = r.spec as { parentRefs?: Array<{ name: string; namespace?: string }>; rules?: Array<{ backendRefs?: Array<{ name: string }> }> };
    const generation = r.metadata.generation ?? 1;
    const parents = (spec.parentRefs ?? []).map((p) => {
      const ours = p.name === gw.name && (p.namespace ?? r.metadata.namespace) === gw.namespace;
      const missing = (spec.rules ?? []).flatMap((rule) => rule.backendRefs ?? []).find((b) => this.opts.services && !this.opts.services.has(key(r.metadata.namespace, b.name)));
      const time = new Date().toISOString();
      return {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p },
        controllerName: 'sluice.dev/memory-gateway',
        conditions: [
          ours
            ? { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: generation, lastTransitionTime: time }
            : { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'no listener of this Gateway', observedGeneration: generation, lastTransitionTime: time },
          missing
            ? { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: `Service ${missing.name} not found`, observedGeneration: generation, lastTransitionTime: time }
            : { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', observedGeneration: generation, lastTransitionTime: time },
        ],
      };
    });
    r.status = { parents };
  }
}
