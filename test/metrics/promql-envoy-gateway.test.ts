import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sample } from '../../src/metrics/promql/prometheus-query.ts';
import { PromqlFigures } from '../../src/metrics/promql/promql-figures.ts';
import { promqlPresets } from '../../src/metrics/promql/promql-presets.ts';

// What Prometheus answers for Envoy Gateway's proxy with `mergeBackends` (decision 0050,
// addendum): one cluster per Service, a rule's own cluster for anything else. The label values
// follow Envoy Gateway's naming; they are not scraped from a running Envoy here.
const ns = 'sluice-shop-production';
const stable = `service/${ns}/web-r6/80/http`;
const baseline = `service/${ns}/web-r6-baseline/80/http`;
const canary = `service/${ns}/web-r7/80/http`;
const ruleCluster = `httproute/${ns}/web-shop-example-com/rule/1`;
const otherEnv = 'service/sluice-shop-staging/web-r7/80/http';

const answers: Array<[RegExp, Sample[]]> = [
  [/^sum by \(envoy_cluster_name, envoy_response_code_class\) \(envoy_cluster_upstream_rq_xx\{\}\)$/, [
    { labels: { envoy_cluster_name: stable, envoy_response_code_class: '2' }, value: 900 },
    { labels: { envoy_cluster_name: stable, envoy_response_code_class: '5' }, value: 9 },
    { labels: { envoy_cluster_name: baseline, envoy_response_code_class: '2' }, value: 50 },
    { labels: { envoy_cluster_name: canary, envoy_response_code_class: '2' }, value: 40 },
    { labels: { envoy_cluster_name: canary, envoy_response_code_class: '5' }, value: 10 },
    { labels: { envoy_cluster_name: canary, envoy_response_code_class: '0' }, value: 3 },
    { labels: { envoy_cluster_name: ruleCluster, envoy_response_code_class: '2' }, value: 1000 },
    { labels: { envoy_cluster_name: otherEnv, envoy_response_code_class: '5' }, value: 77 },
  ]],
  [/^sum by \(envoy_cluster_name, le\) \(envoy_cluster_upstream_rq_time_bucket\{\}\)$/, [
    { labels: { envoy_cluster_name: canary, le: '5' }, value: 20 },
    { labels: { envoy_cluster_name: canary, le: '+Inf' }, value: 50 },
    { labels: { envoy_cluster_name: canary, le: '25' }, value: 45 },
    { labels: { envoy_cluster_name: ruleCluster, le: '+Inf' }, value: 1000 },
  ]],
  [/^sum by \(envoy_cluster_name\) \(envoy_cluster_upstream_rq_time_sum\{\}\)$/, [{ labels: { envoy_cluster_name: canary }, value: 612.5 }]],
  [/^sum by \(envoy_cluster_name\) \(envoy_cluster_upstream_cx_connect_fail\{\}\)$/, [{ labels: { envoy_cluster_name: canary }, value: 2 }]],
];

void describe('Envoy Gateway preset', () => {
  void it('reads per-release figures from the merged per-Service clusters and ignores rule clusters and other environments', async () => {
    const asked: string[] = [];
    const figures = new PromqlFigures(async (promql) => {
      asked.push(promql);
      const hit = answers.find(([re]) => re.test(promql));
      assert.ok(hit, `unexpected query ${promql}`);
      return hit[1];
    }, promqlPresets['envoy-gateway']);
    const out = await figures.releaseFigures({ project: 'shop', environment: 'production' });
    assert.equal(asked.length, 4);
    assert.deepEqual(Object.keys(out).sort(), ['r6', 'r6-baseline', 'r7']);
    assert.deepEqual({ requests: out.r6!.requests, errors5xx: out.r6!.errors5xx }, { requests: 909, errors5xx: 9 });
    assert.equal(out['r6-baseline']!.requests, 50);
    // Envoy's class '0' (no response) is no status class: not a request the analysis counts.
    assert.deepEqual(out.r7!.statusClasses, { '2xx': 40, '5xx': 10 });
    assert.equal(out.r7!.requests, 50);
    assert.equal(out.r7!.connectFailures, 2);
    assert.deepEqual(out.r7!.latency, { bounds: [5, 25], counts: [20, 45, 50], sum: 612.5 });
  });
});
