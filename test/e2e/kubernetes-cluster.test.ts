// The Runtime contract on a real Kubernetes cluster (kind, k3s…): runs when SLUICE_TEST_KUBECONFIG
// names a kubeconfig and SLUICE_TEST_IMAGE an image with node and a numeric non-root USER
// (see docs/kubernetes.md); skipped otherwise, with the reason printed.
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubernetesRuntime } from '../../src/runtime/kubernetes/kubernetes-runtime.ts';
import { openKubeApi } from '../../src/runtime/kubernetes/kube-api.ts';
import { namespaceOf } from '../../src/runtime/kubernetes/manifests/index.ts';
import { CONTRACT_APP, describeRuntimeContract } from '../runtime/runtime-contract.ts';

const kubeconfig = process.env.SLUICE_TEST_KUBECONFIG;
const image = process.env.SLUICE_TEST_IMAGE;
const missing = [kubeconfig ? null : 'SLUICE_TEST_KUBECONFIG', image ? null : 'SLUICE_TEST_IMAGE'].filter(Boolean);

if (!kubeconfig || !image) {
  const reason = `no real cluster: set ${missing.join(' and ')} to run the Runtime contract on one (docs/kubernetes.md)`;
  console.log(`# kubernetes-cluster: skipped: ${reason}`);
  void test('Runtime contract on a real Kubernetes cluster', { skip: reason }, () => {});
} else {
  describeRuntimeContract('kubernetes runtime (real cluster)', async (t) => {
    const project = `contract-${randomBytes(3).toString('hex')}`;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-e2e-'));
    const runtime = new KubernetesRuntime({ kubeconfig: { file: kubeconfig }, dataDir, imageOf: async () => image, logPollMs: 500 });
    t.after(async () => {
      await runtime.close();
      // The namespace takes every object of the test with it.
      const api = await openKubeApi({ file: kubeconfig });
      await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespaceOf(project, 'staging') });
      rmSync(dataDir, { recursive: true, force: true });
    });
    return {
      runtime,
      project,
      release: (n) => ({ key: `${project}/staging/r${n}`, artifactDigest: `sha256:${String(n).padStart(64, '0')}` }),
      // The contract's program inline: the test image has node, not the program.
      command: `exec node -e "eval(Buffer.from('${Buffer.from(CONTRACT_APP).toString('base64')}', 'base64').toString())"`,
    };
  });
}
