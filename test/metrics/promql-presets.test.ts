import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPresetName, promqlPresets, releasePattern, statusClassOf } from '../../src/metrics/promql/promql-presets.ts';

void describe('PromQL presets', () => {
  void it('reads a status class from a class, a code or an Envoy class digit', () => {
    assert.equal(statusClassOf('5xx', 'class'), '5xx');
    assert.equal(statusClassOf('404', 'code'), '4xx');
    assert.equal(statusClassOf('2', 'digit'), '2xx');
    assert.equal(statusClassOf('0', 'digit'), null, "Envoy's 0: no response");
    assert.equal(statusClassOf('', 'code'), null);
  });

  void it('finds the release in each preset’s label value, and nothing in another namespace’s', () => {
    const scope = { project: 'shop', environment: 'production', namespace: 'sluice-shop-production' };
    assert.equal(releasePattern(promqlPresets.sluice, scope).exec('r7-baseline')?.[1], 'r7-baseline');
    assert.equal(releasePattern(promqlPresets.istio, scope).exec('web-r12')?.[1], 'r12');
    assert.equal(releasePattern(promqlPresets['ingress-nginx'], scope).exec('api-r3-baseline')?.[1], 'r3-baseline');
    // Envoy Gateway's cluster names (internal/gatewayapi/helpers.go): merged per Service with
    // mergeBackends, else per rule (releases mixed) or per backendRef index (no release in it).
    const envoy = releasePattern(promqlPresets['envoy-gateway'], scope);
    assert.equal(envoy.exec('service/sluice-shop-production/web-r4/80/http')?.[1], 'r4');
    assert.equal(envoy.exec('service/sluice-shop-production/web-r4-baseline/80/http')?.[1], 'r4-baseline');
    assert.equal(envoy.exec('service/sluice-shop-production/api-r2-web-r11/80/http')?.[1], 'r11', 'a service name with -rN in it');
    assert.equal(envoy.exec('service/sluice-shop-staging/web-r4/80/http'), null, 'another environment');
    assert.equal(envoy.exec('httproute/sluice-shop-production/web-shop-example-com/rule/2'), null, 'a rule cluster mixes releases');
    assert.equal(envoy.exec('httproute/sluice-shop-production/web-r4-example-com/rule/0/backend/1'), null);
    assert.equal(releasePattern(promqlPresets.sluice, scope).exec('r7; drop'), null);
  });

  void it('knows its preset names only', () => {
    assert.ok(isPresetName('envoy-gateway'));
    assert.ok(!isPresetName('toString'));
  });
});
