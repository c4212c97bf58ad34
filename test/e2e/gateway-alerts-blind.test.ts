// `sluice server --runtime kubernetes` (against the simulated API server, test/kubernetes) without
// --prometheus says at start that its traffic alerts are not evaluated and why (decision 0056):
// the Gateway router counts nothing Sluice reads, and nothing is left to fire silently never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FakeApiServer } from '../kubernetes/fake-api-server.ts';
import { tempDir, TestServer } from './harness.ts';

void test('on the Gateway router without --prometheus the server says at start that errorRate, latency and requests alerts are not evaluated, naming --prometheus', async (t) => {
  const cluster = new FakeApiServer();
  await cluster.start();
  t.after(() => cluster.close());
  const dir = tempDir('kube');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(kubeconfig, cluster.kubeconfig(), { mode: 0o600 });
  const server = await TestServer.start(['--runtime', 'kubernetes', '--kubeconfig', kubeconfig, '--gateway', 'gateways/public']);
  t.after(() => server.close());
  assert.match(server.log, /alerts: errorRate, latency and requests alerts are not evaluated: the Gateway router counts no requests Sluice can read: start the server with --prometheus URL to read them from Prometheus \(restarts alerts are\)/);
  assert.doesNotMatch(server.log, /traffic figures come from Prometheus/);
});
