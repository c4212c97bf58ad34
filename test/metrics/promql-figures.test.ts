// The PromQL provider against a real Prometheus scraping Sluice's own exposition (the code GET
// /metrics runs: TrafficCollector + renderPrometheus) over a real edge router that carries
// traffic: the figures the provider reads equal the ones the router counts itself.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addMetrics } from '../../src/engine/rollout/metrics-window.ts';
import { TrafficCollector } from '../../src/metrics/collect-traffic.ts';
import { prometheusQuery } from '../../src/metrics/promql/prometheus-query.ts';
import { PromqlFigures } from '../../src/metrics/promql/promql-figures.ts';
import { promqlPresets } from '../../src/metrics/promql/promql-presets.ts';
import { renderPrometheus } from '../../src/metrics/render-prometheus.ts';
import { EdgeRouter } from '../../src/router/edge/edge-router.ts';
import type { ReleaseMetrics } from '../../src/router/route-table.ts';
import type { InstanceInfo } from '../../src/runtime/runtime.ts';
import { send, startBackend, type Backend } from '../router/router-test-kit.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus-kit.ts';

const instance = (id: string, release: string, role: string): InstanceInfo => ({
  id,
  state: 'ready',
  port: null,
  pid: null,
  restarts: 0,
  reason: null,
  labels: { project: 'shop', environment: 'production', service: 'web', release, role },
});

void describe('PromQL figures from a real Prometheus', { timeout: 90_000 }, () => {
  let router: EdgeRouter;
  let routerPort: number;
  let stable: Backend;
  let canary: Backend;
  let exposition: Server;
  let prometheus: RunningPrometheus | undefined;

  before(async () => {
    stable = await startBackend('stable');
    // The canary answers 1 request in 4 with a 503, and a few slowly: every figure differs between releases.
    let n = 0;
    canary = await startBackend('canary', (req, res) => {
      req.resume();
      const i = n++;
      setTimeout(() => {
        res.statusCode = i % 4 === 0 ? 503 : i % 4 === 1 ? 404 : 200;
        res.end('c');
      }, i % 5 === 0 ? 30 : 0);
    });
    router = new EdgeRouter({ port: 0 });
    routerPort = await router.listen();
    const backends = [
      { release: 'r1', weight: 70, targets: [{ ...stable.target, id: 'shop.production.web.r1.1' }] },
      { release: 'r2', weight: 30, targets: [{ ...canary.target, id: 'shop.production.web.r2.1' }] },
    ];
    router.setRoutes({ routes: [{ host: 'web.shop.test', backends }, { host: 'next.web.shop.test', backends }] });
    const collector = new TrafficCollector({
      router: { metrics: () => Promise.resolve(router.metrics()), applied: () => Promise.resolve(router.appliedRoutes()) },
      runtime: { listInstances: () => Promise.resolve([instance('shop.production.web.r1.1', '1', 'primary'), instance('shop.production.web.r2.1', '2', 'primary')]) },
    });
    exposition = createServer((req, res) => {
      void collector
        .collect()
        .then(renderPrometheus)
        .then(
          (e) => res.writeHead(200, { 'content-type': e.contentType }).end(e.text),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
    });
    await new Promise<void>((resolve) => exposition.listen(0, '127.0.0.1', resolve));
    prometheus = await startPrometheus(`127.0.0.1:${(exposition.address() as AddressInfo).port}`);
  });

  after(async () => {
    await prometheus?.stop();
    exposition?.closeAllConnections();
    await new Promise<void>((resolve) => (exposition ? exposition.close(() => resolve()) : resolve()));
    await router?.close();
    await Promise.all([stable?.close(), canary?.close()]);
  });

  void it('reads requests by status class, connect failures and latency equal to the router’s own', async () => {
    for (let i = 0; i < 200; i++) await send(routerPort, { host: i % 2 ? 'web.shop.test' : 'next.web.shop.test', path: `/${i}` });
    // What the analysis reads from the router: per release, summed over the environment's hosts.
    const own: Record<string, ReleaseMetrics> = {};
    for (const m of router.metrics()) own[m.release] = addMetrics(own[m.release], m);
    assert.ok(own.r1 && own.r2 && own.r2.errors5xx > 0, 'both releases carried traffic, the canary some 5xx');

    const figures = new PromqlFigures(prometheusQuery(prometheus!.url), promqlPresets.sluice);
    const deadline = Date.now() + 30_000;
    let got: Record<string, ReleaseMetrics> = {};
    // Prometheus scrapes every second: wait for a scrape taken after the last request.
    while ((got.r1?.requests ?? 0) + (got.r2?.requests ?? 0) < 200) {
      assert.ok(Date.now() < deadline, `Prometheus did not see the 200 requests in 30 s (saw ${JSON.stringify(got)})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      got = await figures.releaseFigures({ project: 'shop', environment: 'production' });
    }
    for (const release of ['r1', 'r2']) {
      const want = own[release]!;
      const m = got[release]!;
      assert.equal(m.requests, want.requests, `${release} requests`);
      assert.equal(m.errors5xx, want.errors5xx, `${release} 5xx`);
      assert.equal(m.connectFailures, want.connectFailures, `${release} connect failures`);
      assert.deepEqual(m.latency.bounds, want.latency.bounds, `${release} bounds`);
      assert.deepEqual(m.latency.counts, want.latency.counts, `${release} latency buckets`);
      assert.ok(Math.abs(m.latency.sum - want.latency.sum) < 1e-3, `${release} latency sum ${m.latency.sum} vs ${want.latency.sum}`);
    }
    const own4xx = router.metrics().filter((m) => m.release === 'r2').reduce((n, m) => n + (m.statusClasses?.['4xx'] ?? 0), 0);
    assert.ok(own4xx > 0);
    assert.equal(got.r2!.statusClasses?.['4xx'], own4xx, 'r2 4xx');
    assert.deepEqual(Object.keys(await figures.releaseFigures({ project: 'shop', environment: 'staging' })), [], 'another environment has no figures');
  });

  void it('names the Prometheus that refuses a query', async () => {
    const query = prometheusQuery(prometheus!.url);
    await assert.rejects(query('sum by ('), /refused sum by \(: .*parse error/);
  });
});
