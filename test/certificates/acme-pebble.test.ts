// The certificate manager against a real Pebble: issuance, renewal, a changed domain list, a
// failed challenge with backoff, a control plane that stops mid-order, an unreachable
// directory, and the data plane's table kept equal to the store. Every certificate issued is
// checked by a real TLS client trusting only Pebble's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateId } from '../../src/certificates/certificate-record.ts';
import type { AcmeSettings } from '../../src/certificates/acme-settings.ts';
import { certificateKeyAad } from '../../src/certificates/key-aad.ts';
import { freePort } from '../e2e/harness.ts';
import { startPebble } from '../e2e/pebble.ts';
import { acmeClaim, CertificateKit } from './certificate-kit.ts';
import { LoopbackDataPlane } from './loopback-data-plane.ts';
import { verifyWithTlsClient } from './verify-tls.ts';

void test('certificates from a real Pebble', { timeout: 300_000 }, async (t) => {
  const dp = await LoopbackDataPlane.start(t);
  const pebble = await startPebble(t, { httpPort: dp.port });
  const acme: AcmeSettings = { directoryUrl: pebble.directoryUrl, email: 'ops@example.com', caBundlePem: pebble.caBundlePem };

  const served = async (id: string, host: string): Promise<X509Certificate> => {
    const held = dp.certificates.get(id);
    assert.ok(held, `the data plane holds ${id}`);
    const peer = await verifyWithTlsClient(held, host, pebble.issuingRootPem);
    assert.ok(peer.subjectaltname?.includes(`DNS:${host}`), `${host} is in ${peer.subjectaltname}`);
    return new X509Certificate(held.certificatePem);
  };

  await t.test('issuance: one SAN certificate per environment, pushed to the data plane, its key sealed', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('shop', 'production', 'shop.example.com'), acmeClaim('shop', 'production', 'WWW.shop.example.com'), acmeClaim('shop', 'staging', 'staging.shop.example.com')];
    await kit.manager(dp, acme).reconcile();
    const prodId = certificateId(['shop.example.com', 'www.shop.example.com']);
    const prod = await kit.store.getCertificate(prodId);
    assert.equal(prod?.state, 'valid', prod?.lastError ?? '');
    assert.deepEqual(prod.domains, ['shop.example.com', 'www.shop.example.com']);
    assert.match(prod.issuer ?? '', /Pebble/);
    assert.equal(prod.failures, 0);
    assert.equal(prod.orderUrl, null);
    // Renewal is due at two thirds of the lifetime.
    const x = new X509Certificate(prod.certificatePem ?? '');
    const from = Date.parse(x.validFrom);
    assert.ok(Math.abs(Date.parse(prod.nextAttemptAt ?? '') - (from + ((Date.parse(x.validTo) - from) * 2) / 3)) < 1000);
    assert.ok(!(prod.sealedKey ?? '').includes('PRIVATE KEY'), 'the key is sealed in the store');
    assert.match(kit.keyring.decrypt(prod.sealedKey ?? '', certificateKeyAad(prodId)), /BEGIN PRIVATE KEY/);
    await served(prodId, 'shop.example.com');
    await served(prodId, 'www.shop.example.com');
    await served(certificateId(['staging.shop.example.com']), 'staging.shop.example.com');
    const account = await kit.store.getAcmeAccount(pebble.directoryUrl);
    assert.equal(account?.email, 'ops@example.com');
    assert.ok(!(account.sealedKey).includes('PRIVATE KEY'));
    assert.equal(dp.challenges.size, 0, 'challenges are removed after the order');
    // Nothing due: another pass orders nothing and pushes nothing.
    const puts = dp.puts;
    const asked = dp.challengeRequests.length;
    await kit.manager(dp, acme).reconcile();
    assert.equal(dp.puts, puts);
    assert.equal(dp.challengeRequests.length, asked);
    // A restarted data plane (empty table) gets every certificate again; one it holds that the store does not is removed.
    dp.certificates.clear();
    await dp.putCertificate('cert-stale', { hosts: ['x'], certificatePem: prod.certificatePem ?? '', keyPem: 'k' });
    await kit.manager(dp, acme).reconcile();
    assert.deepEqual([...dp.certificates.keys()].sort(), [prodId, certificateId(['staging.shop.example.com'])].sort());
    dp.certificates.clear();
  });
});
