// The Runtime contract on the Kubernetes runtime, through @kubernetes/client-node against the
// simulated API server (test/kubernetes/fake-api-server.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubernetesRuntime } from '../../src/runtime/kubernetes/kubernetes-runtime.ts';
import { FakeApiServer } from '../kubernetes/fake-api-server.ts';
import { kubeBehaviour } from './kubernetes/kube-behaviour.ts';
import { describeRuntimeContract } from './runtime-contract.ts';

describeRuntimeContract('kubernetes runtime (simulated API server)', async (t) => {
  const api = new FakeApiServer({ behaviour: kubeBehaviour });
  await api.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-contract-'));
  const runtime = new KubernetesRuntime({
    kubeconfig: { yaml: api.kubeconfig() },
    dataDir,
    imageOf: async (r) => `127.0.0.1:5000/${r.project}:r${r.number}@sha256:${'a'.repeat(64)}`,
    logPollMs: 50,
  });
  t.after(async () => {
    await runtime.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    runtime,
    project: 'shop',
    release: (n) => ({ key: `shop/staging/r${n}`, artifactDigest: `sha256:${String(n).padStart(64, '0')}` }),
    command: 'exec node app.js',
  };
});
