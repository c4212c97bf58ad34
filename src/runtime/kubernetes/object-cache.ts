// A cache of one kind of object across namespaces, kept by list + watch: the informer pattern.
// A watch resumes from the last resourceVersion it saw (bookmarks keep it recent); a 410 Gone
// (the version was compacted away) means list again; any other end or error, watch again after
// a short pause. https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
import type { KubeApi } from './kube-api.ts';
import type { Manifest } from './manifests/index.ts';

const retryMs = 500;

export class ObjectCache {
  readonly #api: KubeApi;
  readonly #apiVersion: string;
  readonly #kind: string;
  readonly #path: string;
  readonly #selector: string;
  /** namespace → name → object: an environment's lookups stay small however many there are. */
  readonly #objects = new Map<string, Map<string, Manifest>>();
  readonly #listeners = new Set<(namespace: string | null) => void>();
  #resourceVersion = '';
  #watch: { abort(): void } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** How many times it listed (the first time, and after each 410 Gone). */
  lists = 0;

  constructor(api: KubeApi, ref: { apiVersion: string; kind: string; path: string; labelSelector: string }) {
    this.#api = api;
    this.#apiVersion = ref.apiVersion;
    this.#kind = ref.kind;
    this.#path = ref.path;
    this.#selector = ref.labelSelector;
  }

  /** Resolves once the first list is in. */
  async start(): Promise<void> {
    await this.#list();
    void this.#startWatch();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#watch?.abort();
  }

  /** Every object, or those of one namespace. */
  items(namespace?: string): Manifest[] {
    if (namespace !== undefined) return [...(this.#objects.get(namespace)?.values() ?? [])];
    return [...this.#objects.values()].flatMap((m) => [...m.values()]);
  }

  /** Called with the namespace of each change (null: anything may have changed, after a list). */
  onChange(listener: (namespace: string | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #list(): Promise<void> {
    const { items, resourceVersion } = await this.#api.list(this.#apiVersion, this.#kind, this.#selector);
    this.lists += 1;
    this.#objects.clear();
    for (const o of items) this.#set(o);
    this.#resourceVersion = resourceVersion;
    this.#changed(null);
  }

  async #startWatch(): Promise<void> {
    if (this.#stopped) return;
    let gone = false;
    let ended = false;
    const done = (error: unknown): void => {
      if (ended) return;
      ended = true;
      this.#watch = null;
      if (this.#stopped) return;
      const code = (error as { statusCode?: number; code?: number } | null)?.statusCode ?? (error as { code?: number } | null)?.code;
      if (code === 410) gone = true;
      this.#timer = setTimeout(() => void this.#restart(gone), error && !gone ? retryMs : 0);
    };
    try {
      this.#watch = await this.#api.watch(this.#path, { resourceVersion: this.#resourceVersion, labelSelector: this.#selector }, (e) => {
        if (e.type === 'ERROR') {
          if (e.object.code === 410) gone = true;
          return;
        }
        const rv = e.object.metadata.resourceVersion;
        if (rv) this.#resourceVersion = rv;
        if (e.type === 'BOOKMARK') return;
        const ns = e.object.metadata.namespace ?? '';
        if (e.type === 'DELETED') {
          const inNs = this.#objects.get(ns);
          inNs?.delete(e.object.metadata.name);
          if (inNs?.size === 0) this.#objects.delete(ns);
        } else this.#set(e.object);
        this.#changed(ns);
      }, done);
      if (ended) this.#watch?.abort();
    } catch (error) {
      done(error);
    }
  }

  async #restart(relist: boolean): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    try {
      if (relist) await this.#list();
    } catch {
      this.#timer = setTimeout(() => void this.#restart(true), retryMs);
      return;
    }
    await this.#startWatch();
  }

  #set(o: Manifest): void {
    const ns = o.metadata.namespace ?? '';
    let inNs = this.#objects.get(ns);
    if (!inNs) this.#objects.set(ns, (inNs = new Map<string, Manifest>()));
    inNs.set(o.metadata.name, o);
  }

  #changed(namespace: string | null): void {
    for (const l of [...this.#listeners]) l(namespace);
  }
}
