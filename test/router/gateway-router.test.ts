// What the Gateway API router does beyond the Router contract, against the simulated API server.
import assert from 'node:assert/strict';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { after, before, describe, it } from 'node:test';
import { agrees } from '../../src/engine/rollout/traffic.ts';
import { GatewayRouter } from '../../src/router/gateway/gateway-router.ts';
import { httpRouteNameOf } from '../../src/router/gateway/httproute-manifest.ts';
import { serviceManifest } from '../../src/runtime/kubernetes/manifests/index.ts';
import { setAndReadBack } from './router-contract.ts';
import { gatewayHarness, type GatewayHarness } from './gateway/gateway-harness.ts';

const web = (release: string, weight: number) => ({ release, weight, instances: [`shop.production.web.${release}.1`] });
const hostOf = (table: Awaited<ReturnType<GatewayRouter['applied']>>, host: string) => table.routes.find((r) => r.host === host);

void describe('Gateway API router', { timeout: 60_000 }, () => {
  let h: GatewayHarness;
  before(async () => {
    h = await gatewayHarness({ releases: [1, 2], reconcileMs: 150 });
  });
  after(async () => {
    await h?.close();
  });

  void it('applies server-side as field manager sluice, and what is stored (status too) passes the Gateway API schema', async () => {
    await setAndReadBack(h.router, 'web.shop.test', [web('r1', 90), web('r2', 10)]);
    const applies = h.server.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/httproutes/'));
    assert.ok(applies.length > 0);
    for (const r of applies) {
      assert.equal(r.contentType, 'application/apply-patch+yaml');
      assert.equal(r.fieldManager, 'sluice');
    }
    const listed = (await h.api.list('gateway.networking.k8s.io/v1', 'HTTPRoute', 'app.kubernetes.io/managed-by=sluice')).items.find((r) => r.metadata.name === httpRouteNameOf('web.shop.test'))!;
    const { managedFields: _, ...metadata } = listed.metadata as typeof listed.metadata & { managedFields?: unknown };
    new HTTPRoute({ ...listed, metadata } as never).validate();
    assert.deepEqual((listed.status as { parents: Array<{ conditions: Array<{ type: string; status: string }> }> }).parents[0]!.conditions.map((c) => [c.type, c.status]), [
      ['Accepted', 'True'],
      ['ResolvedRefs', 'True'],
    ]);
  });

  void it('does not report new weights until the status is for the new generation', async () => {
    await setAndReadBack(h.router, 'api.shop.test', [web('r1', 100)]);
    await h.router.setRoute('api.shop.test', [web('r1', 50), web('r2', 50)]);
    // The controller takes 150 ms: right after the apply the status still describes generation 1.
    assert.ok(!agrees(await h.router.applied(), 'api.shop.test', [web('r1', 50), web('r2', 50)]), 'the new weights are not reported before the Gateway accepts them');
    const ms = await setAndReadBack(h.router, 'api.shop.test', [web('r1', 50), web('r2', 50)]);
    assert.ok(ms >= 0);
  });

  void it('waits on a backend the Gateway cannot resolve, says why once, and goes on when the Service appears', async () => {
    const host = 'late.shop.test';
    await h.router.setRoute(host, [web('r3', 100)]);
    const deadline = Date.now() + 5_000;
    while (!h.log.some((l) => l.includes('BackendNotFound'))) {
      assert.ok(Date.now() < deadline, `no refusal logged: ${h.log.join('\n')}`);
      assert.equal(hostOf(await h.router.applied(), host), undefined, 'a route whose refs do not resolve is not applied');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await h.router.applied();
    assert.equal(h.log.filter((l) => l.includes('late-shop-test')).length, 1, 'told once per generation');
    await h.api.apply(serviceManifest({ project: 'shop', environment: 'production', service: 'web', release: 3, role: 'primary' }));
    await setAndReadBack(h.router, host, [web('r3', 100)]);
  });

  void it('a route for a Gateway this controller does not run is never applied', async () => {
    const log: string[] = [];
    const other = new GatewayRouter({ api: h.api, gateway: { namespace: 'gateways', name: 'private' }, log: (line) => log.push(line) });
    await assert.rejects(setAndReadBack(other, 'private.shop.test', [web('r1', 100)], undefined, 1_000), /did not apply/);
    assert.match(log.join('\n'), /gateways\/private refuses HTTPRoute sluice-shop-production\/private-shop-test-\w+: Accepted False: NoMatchingParent/);
  });
});
