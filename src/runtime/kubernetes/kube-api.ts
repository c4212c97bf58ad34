// The small part of the Kubernetes API the runtime uses, over @kubernetes/client-node. The
// client is imported on first use (dynamic import), so a server on the process runtime never
// loads it: its idle memory stays what it was.
import { RuntimeError } from '../../errors.ts';
import { FIELD_MANAGER, type Manifest } from './manifests/index.ts';

export type KubeconfigSource = { file: string } | { yaml: string };

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: Manifest } | { type: 'ERROR'; object: { code?: number; message?: string } };

export interface KubeApi {
  /** Server-side apply as field manager `sluice`, forced: sluice owns what it applies (the controller pattern). */
  apply(manifest: Manifest): Promise<Manifest>;
  /** Deletes (background propagation: owned objects follow); false when it was not there. */
  remove(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<boolean>;
  /** Every object of a kind in every namespace matching the selector, and the list's resourceVersion. */
  list(apiVersion: string, kind: string, labelSelector: string): Promise<{ items: Manifest[]; resourceVersion: string }>;
  /** Watches a collection path from a resourceVersion, with bookmarks; `done` once it ends. */
  watch(path: string, params: { resourceVersion: string; labelSelector: string }, onEvent: (e: WatchEvent) => void, done: (error: unknown) => void): Promise<{ abort(): void }>;
  /** A pod's log with timestamps, the last `sinceSeconds` of it (all of it when absent). */
  podLog(namespace: string, name: string, sinceSeconds: number | undefined): Promise<string>;
}

/** Plain JSON, as the API sent it (the client turns times into Date objects). */
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

export async function openKubeApi(source: KubeconfigSource): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if ('file' in source) kc.loadFromFile(source.file);
    else kc.loadFromString(source.yaml);
  } catch (error) {
    throw new RuntimeError(`cannot read the kubeconfig: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const watcher = new k8s.Watch(kc);
  const notFound = (error: unknown): boolean => error instanceof k8s.ApiException && error.code === 404;
  /** The API's answer as a RuntimeError naming the call, its status and the Status message; retryable when a retry can help. */
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof k8s.ApiException)) throw new RuntimeError(`Kubernetes API: ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retryable: true });
      const code = error.code;
      let message = '';
      try {
        message = (JSON.parse(String(error.body)) as { message?: string }).message ?? '';
      } catch {
        message = String(error.body).slice(0, 300);
      }
      throw new RuntimeError(`Kubernetes API: ${what}: ${code} ${message}`.trim(), { cause: error, retryable: code === 409 || code === 429 || code >= 500, details: { status: code } });
    }
  };
  const name = (m: { kind: string; metadata: { namespace?: string; name: string } }): string => `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
  return {
    apply(manifest) {
      return call(`apply ${name(manifest)}`, async () => plain<Manifest>(await objects.patch(structuredClone(manifest) as never, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)));
    },
    async remove(ref) {
      try {
        await objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, 'Background');
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        return call(`delete ${name({ kind: ref.kind, metadata: ref })}`, () => Promise.reject(error as Error));
      }
    },
    list(apiVersion, kind, labelSelector) {
      return call(`list ${kind}`, async () => {
        const list = await objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
        return { items: plain<Manifest[]>(list.items), resourceVersion: list.metadata?.resourceVersion ?? '' };
      });
    },
    async watch(path, params, onEvent, done) {
      const controller = await watcher.watch(path, { ...params, allowWatchBookmarks: true }, (type: string, object: unknown) => onEvent({ type, object } as WatchEvent), done);
      return { abort: () => controller.abort() };
    },
    podLog(namespace, name, sinceSeconds) {
      return core.readNamespacedPodLog({ name, namespace, timestamps: true, ...(sinceSeconds !== undefined ? { sinceSeconds } : {}) });
    },
  };
}
