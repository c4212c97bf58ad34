// An HTTPRoute checked against the official Gateway API schema (v1, @kubernetes-models/gateway-api's
// generated validator) and the name rules the schema leaves to the API server.
import assert from 'node:assert/strict';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { Manifest } from '../../../src/runtime/kubernetes/manifests/object-meta.ts';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateHttpRoute(m: Manifest): void {
  assert.equal(m.kind, 'HTTPRoute');
  new HTTPRoute(structuredClone(m) as never).validate();
  assert.match(m.metadata.name, dns1123Label);
  assert.ok(m.metadata.name.length <= 63, m.metadata.name);
}
