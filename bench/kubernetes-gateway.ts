// bench/kubernetes-gateway: a canary's weight change, from the engine's setTraffic call to the
// router reporting the new weights as applied — on the Gateway API router (HTTPRoutes applied
// through @kubernetes/client-node to the simulated API server, read back once the simulated
// Gateway controller writes Accepted and ResolvedRefs for the new generation) and, side by side
// in the same run, on the built-in edge router (data plane, real instances: the baseline).
// Each round walks the canary steps 5 → 25 → 50 → 100 (promotion) → back to the stable release;
// every setTraffic sets the environment's two hosts. Both stacks run in this process.
// Options: --rounds N (20), --reconcile-ms M (the simulated controller's delay, 0).
// Run with: bench/kubernetes-gateway
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/engine/clock.ts';
import type { ReleaseConfig } from '../src/engine/deploy/release-config.ts';
import { weightsAt } from '../src/engine/rollout/canary.ts';
import { idsOf, type ReleaseRef } from '../src/engine/rollout/instances.ts';
import type { RolloutDeps } from '../src/engine/rollout/rollout-deps.ts';
import { setTraffic, type WeightedRelease } from '../src/engine/rollout/traffic.ts';
import type { Router } from '../src/router/router.ts';
import { edgeHarness } from '../test/router/edge-harness.ts';
import { gatewayHarness } from '../test/router/gateway/gateway-harness.ts';
import { benchMain, machine, median, prependResults, quantile } from './bench-kit.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('--rounds', 20);
const RECONCILE_MS = arg('--reconcile-ms', 0);

const config: ReleaseConfig = { services: [{ name: 'web', start: 'node app.js', health: null, instances: 2, env: {} }] };
const ref = (number: number): ReleaseRef => ({ project: 'shop', environment: 'production', number, artifactDigest: 'sha256:x', config });
const stable = ref(1);
const canary = ref(2);
const target = { project: 'shop', environment: 'production', config };

/** The weight changes of one round, as the canary strategy makes them. */
function round(): WeightedRelease[][] {
  const steps = [5, 25, 50].map((w) => {
    const x = weightsAt(w);
    return [
      { ref: stable, role: 'primary' as const, weight: x.stable },
      { ref: stable, role: 'baseline' as const, weight: x.baseline },
      { ref: canary, role: 'primary' as const, weight: x.canary },
    ];
  });
  return [...steps, [{ ref: canary, role: 'primary', weight: 100 }], [{ ref: stable, role: 'primary', weight: 100 }]];
}

async function measure(router: Router): Promise<number[]> {
  const deps = { router, clock: systemClock, naming: { baseDomain: 'example.test', routerPort: 8080 } } as unknown as RolloutDeps;
  await setTraffic(deps, target, [{ ref: stable, role: 'primary', weight: 100 }]);
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const weighted of round()) {
      const t0 = performance.now();
      await setTraffic(deps, target, weighted);
      out.push(performance.now() - t0);
    }
  }
  return out;
}

const line = (name: string, xs: number[]): string => `${name}: median **${median(xs).toFixed(1)} ms**, p90 ${quantile(xs, 0.9).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (${xs.length} weight changes)`;

await benchMain('kubernetes-gateway', 10 * 60_000, async (onCleanup) => {
  const load0 = os.loadavg()[0]!;
  const ids = [...idsOf(stable, 'primary').get('web')!, ...idsOf(stable, 'baseline').get('web')!, ...idsOf(canary, 'primary').get('web')!];
  const edge = await edgeHarness(ids);
  onCleanup(() => edge.close());
  const gateway = await gatewayHarness({ releases: [1, 2], reconcileMs: RECONCILE_MS });
  onCleanup(() => gateway.close());
  // Alternating halves, so that neither router runs only while the machine is busier.
  const edgeMs: number[] = [];
  const gatewayMs: number[] = [];
  for (let half = 0; half < 2; half++) {
    edgeMs.push(...(await measure(edge.router)));
    gatewayMs.push(...(await measure(gateway.router)));
  }
  const lines = [
    line('Gateway API router (simulated API server + Gateway controller): setTraffic → read back as Accepted', gatewayMs),
    line('edge router (data plane, real instances; baseline): setTraffic → read back as applied', edgeMs),
    `simulated Gateway controller delay ${RECONCILE_MS} ms; HTTPRoute applies ${gateway.server.requests.filter((r) => r.method === 'PATCH').length}, status writes ${gateway.controller.reconciles}`,
  ];
  const header = `# bench/kubernetes-gateway: results\n\n${machine()} · load average at start ${load0.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}\n\n` +
    'A canary weight change (the engine\'s setTraffic: both hosts of the environment, then read back until the router reports the weights) on each router, ' +
    `${ROUNDS} rounds of 5 → 25 → 50 → 100 → stable per half, two alternating halves per router, in one process. ` +
    'The setTraffic read-back loop polls every 50 ms, which bounds both figures from below when the first read misses. ' +
    'Simulated only: no real cluster or Gateway controller (docs/decisions/0050-gateway-router-and-promql.md).\n\n';
  prependResults(path.join(import.meta.dirname, 'RESULTS-kubernetes-gateway.md'), `${header}${lines.map((l) => `- ${l}`).join('\n')}\n`);
  for (const l of lines) console.log(l);
});
