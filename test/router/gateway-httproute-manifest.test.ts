import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpRouteManifest, parseGatewayRef } from '../../src/router/gateway/httproute-manifest.ts';
import { validateHttpRoute } from './gateway/validate-httproute.ts';

const gateway = { namespace: 'gateways', name: 'public' };
const canary = [
  { release: 'r1', weight: 80, instances: ['shop.production.web.r1.1', 'shop.production.web.r1.2'] },
  { release: 'r2-baseline', weight: 10, instances: ['shop.production.web.r1.b1'] },
  { release: 'r2', weight: 10, instances: ['shop.production.web.r2.1'] },
];

void describe('HTTPRoute manifest', () => {
  void it('splits by weight across the releases’ Services, pins by header, and passes the Gateway API schema', () => {
    const m = httpRouteManifest({ host: 'Web.Shop.Example.com', gateway, backends: canary, headerRelease: { header: 'x-sluice-release', values: { r2: 'r2', r1: 'r1' } } })!;
    validateHttpRoute(m);
    assert.equal(m.metadata.namespace, 'sluice-shop-production');
    const spec = m.spec as { hostnames: string[]; parentRefs: unknown[]; rules: Array<{ matches: Array<{ headers?: unknown[] }>; backendRefs: unknown[] }> };
    assert.deepEqual(spec.hostnames, ['web.shop.example.com']);
    assert.deepEqual(spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateways', name: 'public' }]);
    assert.equal(spec.rules.length, 3);
    assert.deepEqual(spec.rules[0]!.matches[0]!.headers, [{ type: 'Exact', name: 'x-sluice-release', value: 'r1' }]);
    assert.deepEqual(spec.rules[1]!.backendRefs, [{ name: 'web-r2', port: 80, weight: 1 }]);
    assert.deepEqual(spec.rules[2]!.backendRefs, [
      { name: 'web-r1', port: 80, weight: 8000 },
      { name: 'web-r1-baseline', port: 80, weight: 1000 },
      { name: 'web-r2', port: 80, weight: 1000 },
    ]);
  });

  void it('keeps fractional shares to two decimals and validates blue/green (one backend at 0)', () => {
    const m = httpRouteManifest({ host: 'api.shop.test', gateway, backends: [
      { release: 'r3', weight: 100 / 3, instances: ['shop.staging.api.r3.1'] },
      { release: 'r4', weight: 0, instances: ['shop.staging.api.r4.1'] },
    ] })!;
    validateHttpRoute(m);
    const rules = (m.spec as { rules: Array<{ backendRefs: Array<{ weight: number }> }> }).rules;
    assert.deepEqual(rules.at(-1)!.backendRefs.map((b) => b.weight), [3333, 0]);
  });

  void it('refuses a header pin to a release that is not routed, and a route with no named instance', () => {
    const m = httpRouteManifest({ host: 'web.shop.test', gateway, backends: canary.slice(0, 1), headerRelease: { header: 'x-sluice-release', values: { r9: 'r9' } } })!;
    assert.equal((m.spec as { rules: unknown[] }).rules.length, 1);
    assert.equal(httpRouteManifest({ host: 'web.shop.test', gateway, backends: [{ release: 'r1', weight: 100, instances: [] }] }), null);
  });

  void it('a long host still makes a valid name', () => {
    const host = `${'a'.repeat(50)}.${'b'.repeat(50)}.example.com`;
    validateHttpRoute(httpRouteManifest({ host, gateway, backends: canary })!);
  });

  void it('parses NAMESPACE/NAME gateway references', () => {
    assert.deepEqual(parseGatewayRef('gateways/public'), gateway);
    assert.equal(parseGatewayRef('public'), null);
    assert.equal(parseGatewayRef('Gateways/public'), null);
    assert.equal(parseGatewayRef('a/b/c'), null);
  });
});
