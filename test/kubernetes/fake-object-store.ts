// The storage side of the simulated API server: objects, resourceVersion, an event history for
// watches, and label selectors. Each behaviour follows the Kubernetes API concepts page:
// https://kubernetes.io/docs/reference/using-api/api-concepts/
import { randomUUID } from 'node:crypto';
import { str, type Json, type JsonObject } from './server-side-apply.ts';

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  resource: string; // plural, as in URLs
  kind: string;
  namespaced: boolean;
  subresources: string[];
}

export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, subresources: ['status'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, subresources: [] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, subresources: ['status', 'log'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, subresources: ['status', 'scale'] },
  // Gateway API (a CRD on a real cluster): https://gateway-api.sigs.k8s.io/reference/spec/#httproute
  { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes', kind: 'HTTPRoute', namespaced: true, subresources: ['status'] },
];

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoredEvent {
  rv: number;
  resource: string;
  type: WatchEventType;
  object: JsonObject;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export const metaOf = (o: JsonObject): JsonObject => o.metadata as JsonObject;
const keyOf = (resource: string, namespace: string, name: string): string => `${resource}/${namespace}/${name}`;

/**
 * Label selectors, equality- and set-based existence forms:
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (term === '') return true;
    const ne = term.split('!=');
    if (ne.length === 2) return have[ne[0]!.trim()] !== ne[1]!.trim();
    const eq = term.split(/==?/);
    if (eq.length === 2) return have[eq[0]!.trim()] === eq[1]!.trim();
    if (term.startsWith('!')) return !(term.slice(1) in have);
    return term in have;
  });
}

export class FakeObjectStore {
  /** etcd's revision: one counter for every write, so resourceVersions order all changes. */
  #rv = 1;
  readonly #objects = new Map<string, JsonObject>();
  /** The same objects by resource, so a list reads only its kind. */
  readonly #byResource = new Map<string, Map<string, JsonObject>>();
  #history: StoredEvent[] = [];
  /** The oldest resourceVersion a watch may start from; older ones are answered 410 Gone. */
  #compactedThrough = 0;
  readonly #historyLimit: number;
  readonly #listeners = new Set<(e: StoredEvent) => void>();

  constructor(historyLimit = 10_000) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get compactedThrough(): number {
    return this.#compactedThrough;
  }

  /** Drops the event history, as etcd compaction does: watches from older versions get 410 Gone. */
  compact(): void {
    this.#compactedThrough = this.#rv;
    this.#history = [];
  }

  onEvent(listener: (e: StoredEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(resource: string, namespace: string, name: string): JsonObject | null {
    const o = this.#objects.get(keyOf(resource, namespace, name));
    return o ? strip(structuredClone(o)) : null;
  }

  list(resource: string, namespace: string | null, selector: string | null): JsonObject[] {
    const out: JsonObject[] = [];
    for (const o of this.#byResource.get(resource)?.values() ?? []) {
      const m = metaOf(o);
      if (namespace !== null && (m.namespace ?? '') !== namespace) continue;
      if (!matchesSelector(m.labels as Record<string, string> | undefined, selector)) continue;
      out.push(structuredClone(o));
    }
    return out.map(strip);
  }

  eventsSince(rv: number): StoredEvent[] {
    return this.#history.filter((e) => e.rv > rv);
  }

  /** Creates: uid, creationTimestamp, generation 1, a new resourceVersion. */
  create(resource: string, obj: JsonObject): JsonObject {
    const m = metaOf(obj);
    const key = keyOf(resource, str(m.namespace ?? ''), str(m.name));
    if (this.#objects.has(key)) throw new ApiError(409, 'AlreadyExists', `${resource} "${str(m.name)}" already exists`);
    m.uid = randomUUID();
    m.creationTimestamp = new Date().toISOString();
    m.generation = 1;
    return this.#write(resource, key, obj, 'ADDED');
  }

  /**
   * Replaces an object. A write that names a resourceVersion other than the stored one is a 409
   * Conflict (optimistic concurrency):
   * https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions
   * metadata.generation grows only when the spec (anything but metadata and status) changes.
   */
  update(resource: string, obj: JsonObject, opts: { checkVersion: boolean }): JsonObject {
    const m = metaOf(obj);
    const key = keyOf(resource, str(m.namespace ?? ''), str(m.name));
    const old = this.#objects.get(key);
    if (!old) throw new ApiError(404, 'NotFound', `${resource} "${str(m.name)}" not found`);
    const om = metaOf(old);
    if (opts.checkVersion && m.resourceVersion !== undefined && m.resourceVersion !== om.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${str(m.name)}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    m.uid = om.uid ?? null;
    m.creationTimestamp = om.creationTimestamp ?? null;
    const specOf = (o: JsonObject): string => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status' && k !== '__resource')));
    m.generation = Number(om.generation ?? 1) + (specOf(old) !== specOf(obj) ? 1 : 0);
    return this.#write(resource, key, obj, 'MODIFIED');
  }

  remove(resource: string, namespace: string, name: string): JsonObject {
    const key = keyOf(resource, namespace, name);
    const old = this.#objects.get(key);
    if (!old) throw new ApiError(404, 'NotFound', `${resource} "${name}" not found`);
    this.#objects.delete(key);
    this.#byResource.get(resource)?.delete(key);
    const gone = structuredClone(old);
    metaOf(gone).resourceVersion = str(++this.#rv);
    this.#record(resource, 'DELETED', gone);
    return strip(gone);
  }

  #write(resource: string, key: string, obj: JsonObject, type: WatchEventType): JsonObject {
    const stored = structuredClone(obj);
    stored.__resource = resource;
    metaOf(stored).resourceVersion = str(++this.#rv);
    this.#objects.set(key, stored);
    let ofResource = this.#byResource.get(resource);
    if (!ofResource) this.#byResource.set(resource, (ofResource = new Map<string, JsonObject>()));
    ofResource.set(key, stored);
    this.#record(resource, type, stored);
    return strip(structuredClone(stored));
  }

  #record(resource: string, type: WatchEventType, obj: JsonObject): void {
    const event: StoredEvent = { rv: this.#rv, resource, type, object: strip(structuredClone(obj)) };
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#compactedThrough = dropped.at(-1)!.rv;
    }
    for (const l of [...this.#listeners]) l(event);
  }
}

function strip(o: JsonObject): JsonObject {
  delete o.__resource;
  return o;
}

export type { Json };
