// The Router contract on a real cluster with a real Gateway controller (Envoy Gateway, Istio…):
// runs when SLUICE_TEST_KUBECONFIG names a kubeconfig and SLUICE_TEST_GATEWAY a Gateway
// (NAMESPACE/NAME) whose listeners allow routes from other namespaces (docs/kubernetes.md);
// skipped otherwise, with the reason printed.
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { GatewayRouter } from '../../src/router/gateway/gateway-router.ts';
import { parseGatewayRef } from '../../src/router/gateway/httproute-manifest.ts';
import { openKubeApi } from '../../src/runtime/kubernetes/kube-api.ts';
import { namespaceManifest, namespaceOf, serviceManifest } from '../../src/runtime/kubernetes/manifests/index.ts';
import { routerContract } from '../router/router-contract.ts';

const kubeconfig = process.env.SLUICE_TEST_KUBECONFIG;
const gateway = parseGatewayRef(process.env.SLUICE_TEST_GATEWAY ?? '');
const missing = [kubeconfig ? null : 'SLUICE_TEST_KUBECONFIG', gateway ? null : 'SLUICE_TEST_GATEWAY (NAMESPACE/NAME)'].filter(Boolean);

if (!kubeconfig || !gateway) {
  const reason = `no real cluster and Gateway: set ${missing.join(' and ')} to run the Router contract on one (docs/kubernetes.md)`;
  console.log(`# gateway-cluster: skipped: ${reason}`);
  void test('Router contract on a real cluster and Gateway', { skip: reason }, () => {});
} else {
  routerContract('Gateway API router (real cluster)', async () => {
    const project = `contract-${randomBytes(3).toString('hex')}`;
    const api = await openKubeApi({ file: kubeconfig });
    await api.apply(namespaceManifest(project, 'production'));
    for (const release of [1, 2]) {
      for (const role of ['primary', 'baseline'] as const) await api.apply(serviceManifest({ project, environment: 'production', service: 'web', release, role }));
    }
    const ids = (release: string, n: number) => Array.from({ length: n }, (_, i) => `${project}.production.web.${release}.${i + 1}`);
    return {
      router: new GatewayRouter({ api, gateway, log: (line) => console.log(`# ${line}`) }),
      hosts: [`web.${project}.sluice.test`, `www.${project}.sluice.test`],
      instances: { r1: ids('r1', 2), r2: ids('r2', 2), r1Baseline: [`${project}.production.web.r1.b1`] },
      // The namespace takes the Services and HTTPRoutes with it.
      close: async () => void (await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespaceOf(project, 'production') })),
    };
  });
}
