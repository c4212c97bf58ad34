// `sluice server --public-url https://NAME --https-port N --acme-directory …` against a real
// Pebble whose HTTP-01 requests reach the real router: the server orders a certificate for its
// own name, the data plane answers the challenge and serves the certificate by SNI, and the
// router forwards that name to the API. Checked with curl (HTTP/2) and Node's TLS client
// trusting only Pebble's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { certificateId } from '../../src/certificates/certificate-record.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { curl } from '../router/tls-kit.ts';
import { send } from '../router/router-test-kit.ts';
import { freePort, tempDir, TestServer } from './harness.ts';
import { startPebble } from './pebble.ts';

void test('the API\'s https --public-url gets a certificate from Pebble through the real router', { timeout: 180_000 }, async (t) => {
  const routerPort = await freePort();
  const httpsPort = await freePort();
  const pebble = await startPebble(t, { httpPort: routerPort });
  const work = tempDir('acme-server');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const rootFile = path.join(work, 'pebble-root.pem');
  fs.writeFileSync(rootFile, pebble.issuingRootPem);
  const host = 'sluice.example.com';
  const server = await TestServer.start([
    '--router-port', String(routerPort), '--https-port', String(httpsPort), '--public-url', `https://${host}:${httpsPort}`,
    '--acme-directory', pebble.directoryUrl, '--acme-ca-bundle', pebble.caBundleFile, '--acme-email', 'ops@example.com', '--sandbox', 'none',
  ]);
  t.after(() => server.close());
  const url = `https://${host}:${httpsPort}/healthz`;
  const resolve = `${host}:${httpsPort}:127.0.0.1`;
  const first = await server.waitFor('the API answers over HTTPS with a certificate from Pebble', async () => {
    try {
      return await curl(url, resolve, ['--cacert', rootFile, '--http2']);
    } catch {
      return null;
    }
  }, 90_000);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.httpVersion, '2');

  const peer = await new Promise<tls.PeerCertificate>((ok, fail) => {
    const socket = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: host, ca: pebble.issuingRootPem, checkServerIdentity: (name, c) => tls.checkServerIdentity(name, c) }, () => {
      ok(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', fail);
  });
  assert.equal(peer.subjectaltname, `DNS:${host}`);

  // Plain HTTP to that name is redirected (the challenge path excepted); the record in the store says who issued it.
  const plain = await send(routerPort, { host, path: '/healthz' });
  assert.equal(plain.status, 308);
  assert.equal(plain.headers.location, `https://${host}:${httpsPort}/healthz`);
  assert.equal((await send(routerPort, { host, path: '/.well-known/acme-challenge/unknown' })).status, 404);
  const store = openSqliteStore(path.join(server.dataDir, 'sluice.db'));
  t.after(() => store.close());
  const rec = await store.getCertificate(certificateId([host]));
  assert.equal(rec?.state, 'valid');
  assert.match(rec.issuer ?? '', /Pebble/);
  assert.equal(rec.lastError, null);
});

void test('a control plane killed during an order: the restarted server resumes the same order and serves its certificate', { timeout: 180_000 }, async (t) => {
  const routerPort = await freePort();
  const httpsPort = await freePort();
  // Pebble validates 4 s after the challenge is answered: the server is killed in that window.
  const pebble = await startPebble(t, { httpPort: routerPort, vaSleepSeconds: 4 });
  const work = tempDir('acme-restart');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const rootFile = path.join(work, 'pebble-root.pem');
  fs.writeFileSync(rootFile, pebble.issuingRootPem);
  const host = 'restart.example.com';
  const server = await TestServer.start([
    '--router-port', String(routerPort), '--https-port', String(httpsPort), '--public-url', `https://${host}:${httpsPort}`,
    '--acme-directory', pebble.directoryUrl, '--acme-ca-bundle', pebble.caBundleFile, '--sandbox', 'none',
  ]);
  t.after(() => server.close());
  const store = openSqliteStore(path.join(server.dataDir, 'sluice.db'));
  t.after(() => store.close());
  const id = certificateId([host]);
  const mid = await server.waitFor('an order in flight', async () => {
    const rec = await store.getCertificate(id);
    return rec?.state === 'pending' && rec.orderUrl !== null ? rec : null;
  }, 60_000);
  await server.kill9();
  assert.equal((await store.getCertificate(id))?.state, 'pending', 'killed before the order finished');
  await server.launch();
  const ok = await server.waitFor('HTTPS with the resumed order\'s certificate', async () => {
    try {
      return await curl(`https://${host}:${httpsPort}/healthz`, `${host}:${httpsPort}:127.0.0.1`, ['--cacert', rootFile]);
    } catch {
      return null;
    }
  }, 90_000);
  assert.equal(ok.status, 200);
  assert.ok(server.log.includes(`resuming the order ${mid.orderUrl ?? ''} for ${host}`), 'the restarted server took up the same order');
  const done = await store.getCertificate(id);
  assert.equal(done?.state, 'valid');
  assert.equal(done.failures, 0);
});
