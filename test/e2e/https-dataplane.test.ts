// `sluice server --https-port`: the router-port keeper holds the HTTPS port too, a SIGKILLed
// data plane comes back with its certificates (sealed in its state), and HTTPS keeps serving
// while the control plane is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { certKit } from '../router/tls-cert-kit.ts';
import { curl } from '../router/tls-kit.ts';
import { send } from '../router/router-test-kit.ts';
import { alive, freePort, TestServer } from './harness.ts';

void test('server --https-port: HTTPS through the keeper, certificates kept across a data-plane SIGKILL, served with the control plane down', async (t) => {
  const httpsPort = await freePort();
  const server = await TestServer.start(['--https-port', String(httpsPort), '--sandbox', 'none']);
  const certs = certKit();
  const app = createServer((req, res) => res.end(`app ${String(req.headers['x-forwarded-proto'])}`));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  t.after(async () => {
    app.closeAllConnections();
    app.close();
    await server.close();
    certs.cleanup();
  });
  const client = new DataPlaneClient(socketPathOf(server.dataDir));
  assert.equal((await client.health())?.httpsPort, httpsPort);
  await client.putCertificate('cert-e2e', { hosts: ['e2e.test'], ...certs.leaf('e2e', ['e2e.test']) });
  await client.request('PUT', '/routes/e2e.test', { backends: [], forward: { port: (app.address() as AddressInfo).port } });
  const get = (): Promise<{ status: number; body: string; httpVersion: string }> =>
    curl(`https://e2e.test:${httpsPort}/`, `e2e.test:${httpsPort}:127.0.0.1`, ['--cacert', certs.caFile, '--http2']);
  const first = await get();
  assert.deepEqual([first.status, first.body, first.httpVersion], [200, 'app https', '2']);
  const plain = await send(server.routerPort, { host: 'e2e.test', path: '/x?y=1' });
  assert.equal(plain.status, 308);
  assert.equal(plain.headers.location, `https://e2e.test:${httpsPort}/x?y=1`);

  // The data plane dies: the server starts another through the keeper (the port stays open meanwhile).
  const oldDp = server.dataPlanePid();
  assert.ok(oldDp);
  process.kill(oldDp, 'SIGKILL');
  await server.waitFor('a new data plane', async () => {
    const h = await client.health();
    return h && h.pid !== oldDp ? h : null;
  });
  const back = await get();
  assert.deepEqual([back.status, back.body], [200, 'app https']);

  // The control plane dies: the data plane goes on serving HTTPS on its own.
  await server.kill9();
  const alone = await get();
  assert.deepEqual([alone.status, alone.body], [200, 'app https']);
  assert.ok(alive(server.dataPlanePid()!));
});
