// The manifests Sluice generates, validated against the official Kubernetes OpenAPI schemas
// (kubernetes-models' generated validators), plus the name and label rules the schemas leave to
// the API server: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
import assert from 'node:assert/strict';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { Manifest } from '../../../src/runtime/kubernetes/manifests/index.ts';

export const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;


/** Throws when the manifest breaks its kind's official schema or the naming rules. */
export function validateManifest(m: Manifest): void {
  const models: Record<string, (data: never) => { validate(): void }> = {
    Namespace: (d) => new Namespace(d),
    Secret: (d) => new Secret(d),
    Service: (d) => new Service(d),
    Deployment: (d) => new Deployment(d),
  };
  const make = models[m.kind];
  assert.ok(make, `no schema for ${m.kind}`);
  make(structuredClone(m) as never).validate();
  assert.match(m.metadata.name, dns1123Label);
  assert.ok(m.metadata.name.length <= 63, m.metadata.name);
  for (const [key, value] of Object.entries(m.metadata.labels ?? {})) assert.match(value, labelValue, `${key}=${value}`);
}

