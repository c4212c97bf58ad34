// The Router contract against the built-in edge router in its data plane, with real instances.
import { edgeHarness } from './edge-harness.ts';
import { routerContract } from './router-contract.ts';

routerContract('edge router (data plane, real instances)', async () => {
  const instances = {
    r1: ['shop.production.web.r1.1', 'shop.production.web.r1.2'],
    r2: ['shop.production.web.r2.1', 'shop.production.web.r2.2'],
    r1Baseline: ['shop.production.web.r1.b1'],
  };
  const h = await edgeHarness([...instances.r1, ...instances.r2, ...instances.r1Baseline]);
  return { router: h.router, hosts: ['web.shop.test', 'www.shop.test'], instances, close: () => h.close() };
});
