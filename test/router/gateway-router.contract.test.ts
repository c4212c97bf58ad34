// The Router contract against the Gateway API router, over Kubernetes objects kept in memory with
// a Gateway controller that writes route status (memory-gateway.ts).
import { GatewayRouter } from '../../src/router/gateway/gateway-router.ts';
import { MemoryGateway } from './gateway/memory-gateway.ts';
import { routerContract } from './router-contract.ts';

const ids = (release: string, n: number) => Array.from({ length: n }, (_, i) => `shop.production.web.${release}.${i + 1}`);

routerContract('Gateway API router (in-memory API, simulated controller)', () => {
  const gateway = { namespace: 'gateways', name: 'public' };
  const objects = new MemoryGateway({ gateway, reconcileMs: 20 });
  return Promise.resolve({
    router: new GatewayRouter({ objects, gateway }),
    hosts: ['web.shop.test', 'www.shop.test'],
    instances: { r1: ids('r1', 2), r2: ids('r2', 2), r1Baseline: ['shop.production.web.r1.b1'] },
    close: () => Promise.resolve(objects.close()),
  });
});
