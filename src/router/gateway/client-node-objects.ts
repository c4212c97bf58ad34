// KubeObjects over @kubernetes/client-node, imported on first use: a server on the process
// runtime never loads it (its idle memory stays as it was).
import { readFile } from 'node:fs/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InvalidInputError, RuntimeError } from '../../errors.ts';
import type { KubeObject, KubeObjects, ObjectRef } from './kube-objects.ts';
import { FIELD_MANAGER } from '../../runtime/kubernetes/manifests/names.ts';

/** The kubeconfig's text, or a InvalidInputError that says which file and why. */
export async function readKubeconfig(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'it is not readable by this user' : (error as Error).message;
    throw new InvalidInputError(`--kubeconfig ${path}: ${why}`);
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function failed(what: string, error: unknown): RuntimeError {
  const status = statusOf(error);
  const body = (error as { body?: unknown }).body;
  const message = typeof body === 'string' ? body.slice(0, 300) : (error as Error).message;
  return new RuntimeError(`Kubernetes API: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${message}`, { cause: error, retryable: status === undefined || status >= 500 || status === 409 });
}

/** Objects through the cluster the kubeconfig's current context names. */
export async function openClientNodeObjects(kubeconfig: string): Promise<KubeObjects> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(kubeconfig);
  } catch (error) {
    throw new InvalidInputError(`the kubeconfig is not one @kubernetes/client-node can read: ${(error as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new InvalidInputError('the kubeconfig names no current cluster (set current-context)');
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
  return {
    async apply(manifest) {
      try {
        return (await api.patch(manifest as unknown as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)) as KubeObject;
      } catch (error) {
        throw failed(`applying ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`, error);
      }
    },
    async read(ref) {
      try {
        return (await api.read(header(ref))) as KubeObject;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw failed(`reading ${ref.kind} ${ref.namespace}/${ref.name}`, error);
      }
    },
    async list(apiVersion, kind, labelSelector) {
      try {
        const list = await api.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
        return list.items as KubeObject[];
      } catch (error) {
        throw failed(`listing ${kind} (${labelSelector})`, error);
      }
    },
    async remove(ref) {
      try {
        await api.delete(header(ref));
      } catch (error) {
        if (statusOf(error) !== 404) throw failed(`deleting ${ref.kind} ${ref.namespace}/${ref.name}`, error);
      }
    },
  };
}
