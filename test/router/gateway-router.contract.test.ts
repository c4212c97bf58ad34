// The Router contract against the Gateway API router, through @kubernetes/client-node to the
// simulated API server, whose simulated Gateway controller writes the routes' status.
import { gatewayHarness } from './gateway/gateway-harness.ts';
import { routerContract } from './router-contract.ts';

const ids = (release: string, n: number) => Array.from({ length: n }, (_, i) => `shop.production.web.${release}.${i + 1}`);

routerContract('Gateway API router (simulated API server and Gateway controller)', async () => {
  const h = await gatewayHarness();
  return {
    router: h.router,
    hosts: ['web.shop.test', 'www.shop.test'],
    instances: { r1: ids('r1', 2), r2: ids('r2', 2), r1Baseline: ['shop.production.web.r1.b1'] },
    close: () => h.close(),
  };
});
