// A Gateway API router against the simulated API server (test/kubernetes), through
// @kubernetes/client-node: the environment's namespace and its releases' Services exist, and a
// simulated Gateway controller writes the routes' status.
import { FakeApiServer } from '../../kubernetes/fake-api-server.ts';
import { FakeGatewayController } from '../../kubernetes/fake-gateway-controller.ts';
import { namespaceManifest, serviceManifest } from '../../../src/runtime/kubernetes/manifests/index.ts';
import { openKubeApi, type KubeApi } from '../../../src/runtime/kubernetes/kube-api.ts';
import { GatewayRouter } from '../../../src/router/gateway/gateway-router.ts';

export const gateway = { namespace: 'gateways', name: 'public' };

export interface GatewayHarness {
  server: FakeApiServer;
  controller: FakeGatewayController;
  api: KubeApi;
  router: GatewayRouter;
  log: string[];
  close(): Promise<void>;
}

/** Services `web-r1`, `web-r1-baseline`, `web-r2`… (the given releases) in shop/production's namespace. */
export async function gatewayHarness(opts: { releases?: number[]; reconcileMs?: number } = {}): Promise<GatewayHarness> {
  const server = new FakeApiServer();
  await server.start();
  const controller = new FakeGatewayController(server.store, { gateways: [`${gateway.namespace}/${gateway.name}`], reconcileMs: opts.reconcileMs ?? 20 });
  const api = await openKubeApi({ yaml: server.kubeconfig() });
  await api.apply(namespaceManifest('shop', 'production'));
  for (const release of opts.releases ?? [1, 2]) {
    for (const role of ['primary', 'baseline'] as const) await api.apply(serviceManifest({ project: 'shop', environment: 'production', service: 'web', release, role }));
  }
  const log: string[] = [];
  return {
    server,
    controller,
    api,
    router: new GatewayRouter({ api, gateway, log: (line) => log.push(line) }),
    log,
    async close() {
      controller.stop();
      await server.close();
    },
  };
}
