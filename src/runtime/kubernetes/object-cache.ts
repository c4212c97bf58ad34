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
  readonly #objects = new Map<string, Manifest>();
  readonly #listeners = new Set<() => void>();
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

  items(): Manifest[] {
    return [...this.#objects.values()];
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #list(): Promise<void> {
    const { items, resourceVersion } = await this.#api.list(this.#apiVersion, this.#kind, this.#selector);
    this.lists += 1;
    this.#objects.clear();
    for (const o of items) this.#objects.set(keyOf(o), o);
    this.#resourceVersion = resourceVersion;
    this.#changed();
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
        if (e.type === 'DELETED') this.#objects.delete(keyOf(e.object));
        else this.#objects.set(keyOf(e.object), e.object);
        this.#changed();
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

  #changed(): void {
    for (const l of [...this.#listeners]) l();
  }
}

const keyOf = (o: Manifest): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
