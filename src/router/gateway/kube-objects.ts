// The few Kubernetes API calls the Gateway router makes, as its own small interface (the Kysely
// way): server-side apply, read, list by label, delete. The @kubernetes/client-node adapter is
// client-node-objects.ts, loaded only when a server runs against a cluster.
import type { Manifest } from '../../runtime/kubernetes/manifests/object-meta.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export type KubeObject = Manifest & { metadata: Manifest['metadata'] & { generation?: number }; status?: unknown };

export interface KubeObjects {
  /** Server-side apply with field manager `sluice`, forced (Sluice owns what it applies); the object as stored. */
  apply(manifest: Manifest): Promise<KubeObject>;
  /** null when there is no such object (404). */
  read(ref: ObjectRef): Promise<KubeObject | null>;
  /** Every object of the kind carrying the label selector, in all namespaces. */
  list(apiVersion: string, kind: string, labelSelector: string): Promise<KubeObject[]>;
  /** Deletes; nothing when it is already gone. */
  remove(ref: ObjectRef): Promise<void>;
}
