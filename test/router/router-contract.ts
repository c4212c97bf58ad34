// One contract for every implementation of the Router port (the built-in edge router in its
// data plane, the Gateway API router on a cluster): what the engine relies on, and the weight
// sequences of the canary, blue/green, rolling and rollback strategies, each step set and then
// read back until the router applies it — the engine's own check (setTraffic's `agrees`).
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { nextHeader } from '../../src/engine/rollout/blue-green.ts';
import { weightsAt } from '../../src/engine/rollout/canary.ts';
import { agrees } from '../../src/engine/rollout/traffic.ts';
import type { DesiredBackend, HeaderPin, Router } from '../../src/router/router.ts';

export interface RouterHarness {
  router: Router;
  /** Hosts the implementation serves (names a cluster's Gateway or the edge router accepts). */
  hosts: [string, string];
  /** Ready instances of one service: two releases and the stable release's baseline copy. */
  instances: { r1: string[]; r2: string[]; r1Baseline: string[] };
  close(): Promise<void>;
}

/** Sets a route and waits until the router applies it; the time it took (ms). */
export async function setAndReadBack(router: Router, host: string, backends: DesiredBackend[], pin?: HeaderPin, deadlineMs = 10_000): Promise<number> {
  const started = performance.now();
  await router.setRoute(host, backends, pin);
  for (;;) {
    if (agrees(await router.applied(), host, backends)) return performance.now() - started;
    assert.ok(performance.now() - started < deadlineMs, `${host}: the router did not apply ${JSON.stringify(backends.map((b) => [b.release, b.weight]))} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function routerContract(name: string, open: () => Promise<RouterHarness>): void {
  void describe(`Router contract: ${name}`, { timeout: 120_000 }, () => {
    let h: RouterHarness;
    let host: string;
    let other: string;
    before(async () => {
      h = await open();
      [host, other] = h.hosts;
    });
    after(async () => {
      await h?.close();
    });
    const r1 = (weight: number) => ({ release: 'r1', weight, instances: h.instances.r1 });
    const r2 = (weight: number) => ({ release: 'r2', weight, instances: h.instances.r2 });
    const base = (weight: number) => ({ release: 'r1-baseline', weight, instances: h.instances.r1Baseline });

    void it('applies a route, and applied() is what it applies (one host at a time)', async () => {
      await setAndReadBack(h.router, host, [r1(100)]);
      const route = (await h.router.applied()).routes.find((r) => r.host === host);
      assert.deepEqual(route?.backends.map((b) => [b.release, b.weight, b.targets.map((t) => t.id).sort()]), [['r1', 100, [...h.instances.r1].sort()]]);
      assert.ok(!(await h.router.applied()).routes.some((r) => r.host === other), 'another host is not routed');
    });

    void it('canary: the strategy’s weights step by step (stable, baseline, canary), then promotion', async () => {
      await setAndReadBack(h.router, host, [r1(100)]);
      for (const step of [5, 25, 50]) {
        const w = weightsAt(step);
        await setAndReadBack(h.router, host, [r1(w.stable), base(w.baseline), r2(w.canary)]);
      }
      await setAndReadBack(h.router, host, [r2(100)]);
      const route = (await h.router.applied()).routes.find((r) => r.host === host)!;
      assert.deepEqual(route.backends.map((b) => b.release), ['r2']);
    });

    void it('blue/green: green behind the x-sluice-release header at weight 0, then the switch', async () => {
      const pin = { header: nextHeader, values: { next: 'r2' } };
      await setAndReadBack(h.router, host, [r1(100), r2(0)], pin);
      const route = (await h.router.applied()).routes.find((r) => r.host === host)!;
      assert.deepEqual(route.headerRelease, pin, 'the header serves green');
      await setAndReadBack(h.router, host, [r2(100)]);
    });

    void it('rolling: the new release’s instances join as the old ones leave', async () => {
      const n = h.instances.r1.length;
      await setAndReadBack(h.router, host, [r1(100)]);
      for (let moved = 1; moved <= n; moved++) {
        const old = h.instances.r1.slice(moved);
        const fresh = h.instances.r2.slice(0, moved);
        const backends = [...(old.length ? [{ release: 'r1', weight: (100 * old.length) / n, instances: old }] : []), { release: 'r2', weight: (100 * fresh.length) / n, instances: fresh }];
        await setAndReadBack(h.router, host, backends);
      }
    });

    void it('rollback: straight back to the stable release, on two hosts', async () => {
      await setAndReadBack(h.router, host, [r2(100)]);
      await setAndReadBack(h.router, other, [r2(100)]);
      await setAndReadBack(h.router, host, [r1(100)]);
      await setAndReadBack(h.router, other, [r1(100)]);
      const table = await h.router.applied();
      for (const x of [host, other]) assert.deepEqual(table.routes.find((r) => r.host === x)?.backends.map((b) => [b.release, b.weight]), [['r1', 100]]);
    });

    void it('removes a route; the other host keeps its own', async () => {
      await setAndReadBack(h.router, other, [r1(100)]);
      await h.router.removeRoute(host);
      const deadline = performance.now() + 10_000;
      while ((await h.router.applied()).routes.some((r) => r.host === host)) {
        assert.ok(performance.now() < deadline, 'the route is still applied 10 s after its removal');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok((await h.router.applied()).routes.some((r) => r.host === other));
      await h.router.removeRoute(host); // twice: nothing to do, no error
    });

    void it('answers metrics, traffic and flag metrics in the port’s shapes', async () => {
      assert.ok(Array.isArray(await h.router.metrics()));
      assert.ok(Array.isArray(await h.router.flagMetrics()));
      const t = await h.router.traffic();
      assert.equal(typeof t.epoch, 'string');
      assert.ok(Array.isArray(t.rows));
    });
  });
}
