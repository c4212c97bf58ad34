// The whole path a user takes for a real domain, against a real Pebble: `domains:` in
// sluice.yaml, a deploy, and the certificate ordered by the server, answered over HTTP-01 by the
// real router and served by SNI over HTTPS (HTTP/2) with the deployed release behind it; the run
// log and `sluice domains` say how the certificate stands. A domain whose challenge cannot
// succeed fails its certificate, not its deploy: HTTP keeps serving, and the log names the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { curl } from '../router/tls-kit.ts';
import { send } from '../router/router-test-kit.ts';
import { freePort, tempDir, viaRouter } from './harness.ts';
import { appFiles, pipeline, registeredProject } from './fixtures.ts';
import { startPebble } from './pebble.ts';

interface DomainJson {
  domain: string;
  environment: string;
  certificate: { state: string; notAfter: string | null; issuer: string | null; lastError: string | null };
}

void test('domains in sluice.yaml: a deploy orders the certificate from Pebble, HTTPS serves the release, a failed challenge leaves HTTP serving and says why', { timeout: 300_000 }, async (t) => {
  const routerPort = await freePort();
  const httpsPort = await freePort();
  const pebble = await startPebble(t, { httpPort: routerPort });
  const work = tempDir('domains-acme');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const rootFile = path.join(work, 'pebble-root.pem');
  fs.writeFileSync(rootFile, pebble.issuingRootPem);
  // broken.example.com resolves (for Pebble) to an address where nothing answers its challenge.
  await pebble.addA('broken.example.com', ['127.0.0.2']);
  const files = { ...appFiles('v1'), 'sluice.yaml': `${pipeline()}    domains: [shop.example.com, www.shop.example.com]\n` };
  const { server, repo } = await registeredProject(t, 'shop', files, {
    args: ['--router-port', String(routerPort), '--https-port', String(httpsPort), '--acme-directory', pebble.directoryUrl, '--acme-ca-bundle', pebble.caBundleFile, '--acme-email', 'ops@example.com'],
  });
  const first = await server.waitRun('shop', repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));

  const log = await server.cli(['logs', first.id]);
  assert.match(log.stdout, /certificate for shop\.example\.com, www\.shop\.example\.com: valid until \S+ \(.*Pebble/);
  for (const host of ['shop.example.com', 'www.shop.example.com']) {
    const r = await curl(`https://${host}:${httpsPort}/`, `${host}:${httpsPort}:127.0.0.1`, ['--cacert', rootFile, '--http2']);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'v1');
    assert.equal(r.httpVersion, '2');
    const plain = await send(routerPort, { host, path: '/x?y=1' });
    assert.equal(plain.status, 308, 'plain HTTP goes to HTTPS once the name has a certificate');
    assert.equal(plain.headers.location, `https://${host}:${httpsPort}/x?y=1`);
  }
  const listed = await server.json<DomainJson[]>(['domains', 'shop']);
  assert.deepEqual(listed.map((d) => [d.domain, d.certificate.state]), [['shop.example.com', 'valid'], ['www.shop.example.com', 'valid']]);
  assert.match(listed[0]!.certificate.issuer ?? '', /Pebble/);

  // The domain list changes to one whose challenge fails: the deploy succeeds, its log names the
  // CA's error, HTTP serves the new release, and `sluice domains` shows the failure.
  const v2 = repo.commit('v2', { ...appFiles('v2'), 'sluice.yaml': `${pipeline()}    domains: [broken.example.com]\n` });
  // The poller (1 s) runs the new commit; a manual trigger as well could run v2 twice, and the
  // second run finds the claims unchanged and rightly writes no certificate line.
  const second = await server.waitRun('shop', v2);
  assert.equal(second.state, 'succeeded', JSON.stringify(second));
  const log2 = await server.cli(['logs', second.id]);
  assert.match(log2.stdout, /certificate for broken\.example\.com failed: .+\(the environment keeps serving HTTP; next attempt at /);
  assert.deepEqual(await viaRouter(routerPort, 'broken.example.com'), { status: 200, body: 'v2' }, 'no certificate: plain HTTP serves, no redirect');
  const broken = await server.json<DomainJson[]>(['domains', 'shop']);
  assert.equal(broken.length, 1);
  assert.equal(broken[0]!.certificate.state, 'failed');
  assert.ok(broken[0]!.certificate.lastError, 'the CA\'s error is shown');
  // The names dropped from the list lost their route (and the old certificate is no longer needed).
  assert.equal((await viaRouter(routerPort, 'shop.example.com')).status, 404);
});
