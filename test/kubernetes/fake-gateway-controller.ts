// A simulated Gateway API controller for the simulated API server: it writes the status of the
// HTTPRoutes attached to its Gateways, as an implementation must (Gateway API v1 spec):
// - status.parents[] holds one RouteParentStatus per parentRef this controller serves, with its
//   controllerName (https://gateway-api.sigs.k8s.io/reference/spec/#routeparentstatus);
// - condition Accepted: True when the parent Gateway exists and takes the route, else False with
//   reason NoMatchingParent (https://gateway-api.sigs.k8s.io/reference/spec/#routeconditiontype);
// - condition ResolvedRefs: True when every backendRef resolves, else False with reason
//   BackendNotFound naming the Service (https://gateway-api.sigs.k8s.io/reference/spec/#routeconditionreason);
// - every condition carries observedGeneration, the metadata.generation it was computed for
//   (metav1.Condition), so a reader knows whether the status describes the current spec;
// - a Service created after the route turns ResolvedRefs True without the route changing.
// Status is written after `reconcileMs`, like a controller's work queue, never in the write.
import type { FakeObjectStore, StoredEvent } from './fake-object-store.ts';
import { metaOf } from './fake-object-store.ts';
import { str, type JsonObject } from './server-side-apply.ts';

export interface GatewayControllerOptions {
  /** The Gateways this controller runs, as "namespace/name". */
  gateways: string[];
  reconcileMs?: number;
  controllerName?: string;
}

interface ParentRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
}

export class FakeGatewayController {
  readonly #store: FakeObjectStore;
  readonly #opts: Required<GatewayControllerOptions>;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #off: () => void;
  /** Status writes, for tests that count reconciles. */
  reconciles = 0;

  constructor(store: FakeObjectStore, options: GatewayControllerOptions) {
    this.#store = store;
    this.#opts = { reconcileMs: options.reconcileMs ?? 20, controllerName: options.controllerName ?? 'sluice.dev/simulated-gateway', gateways: options.gateways };
    this.#off = store.onEvent((e) => this.#onEvent(e));
  }

  stop(): void {
    this.#off();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #onEvent(e: StoredEvent): void {
    const m = metaOf(e.object);
    if (e.resource === 'httproutes' && e.type !== 'DELETED') this.#later(str(m.namespace), str(m.name));
    // A Service appearing or going may change ResolvedRefs of the namespace's routes.
    if (e.resource === 'services') for (const r of this.#store.list('httproutes', str(m.namespace), null)) this.#later(str(m.namespace), str(metaOf(r).name));
  }

  #later(namespace: string, name: string): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#reconcile(namespace, name);
    }, this.#opts.reconcileMs);
    this.#timers.add(timer);
  }

  #reconcile(namespace: string, name: string): void {
    const route = this.#store.get('httproutes', namespace, name);
    if (!route) return;
    const meta = metaOf(route);
    const generation = Number(meta.generation ?? 1);
    const spec = (route.spec ?? {}) as { parentRefs?: ParentRef[]; rules?: Array<{ backendRefs?: Array<{ name: string; namespace?: string }> }> };
    const missing = (spec.rules ?? [])
      .flatMap((r) => r.backendRefs ?? [])
      .find((b) => !this.#store.get('services', b.namespace ?? namespace, b.name));
    const old = ((route.status ?? {}) as { parents?: JsonObject[] }).parents ?? [];
    const now = new Date().toISOString();
    const parents = (spec.parentRefs ?? [])
      .filter((p) => (p.kind ?? 'Gateway') === 'Gateway')
      .map((p) => {
        const known = this.#opts.gateways.includes(`${p.namespace ?? namespace}/${p.name}`);
        const conditions = [
          known ? cond('Accepted', 'True', 'Accepted', 'the route is attached', generation) : cond('Accepted', 'False', 'NoMatchingParent', `no Gateway ${p.namespace ?? namespace}/${p.name}`, generation),
          missing ? cond('ResolvedRefs', 'False', 'BackendNotFound', `Service ${missing.namespace ?? namespace}/${missing.name} not found`, generation) : cond('ResolvedRefs', 'True', 'ResolvedRefs', 'every backendRef resolves', generation),
        ];
        return { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p }, controllerName: this.#opts.controllerName, conditions };
      });
    const same = JSON.stringify(parents) === JSON.stringify(old.map((p) => ({ ...p, conditions: ((p.conditions ?? []) as JsonObject[]).map(({ lastTransitionTime: _, ...c }) => c) })));
    if (same) return;
    const stamped = parents.map((p) => ({ ...p, conditions: p.conditions.map((c) => ({ ...c, lastTransitionTime: now })) }));
    this.reconciles++;
    this.#store.update('httproutes', { ...route, status: { parents: stamped } }, { checkVersion: false });
  }
}

function cond(type: string, status: 'True' | 'False', reason: string, message: string, observedGeneration: number) {
  return { type, status, reason, message, observedGeneration };
}
