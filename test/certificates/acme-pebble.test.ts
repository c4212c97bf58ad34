// The certificate manager against a real Pebble: issuance, renewal, a changed domain list, a
// failed challenge with backoff, a control plane that stops mid-order, an unreachable
// directory, and the data plane's table kept equal to the store. Every certificate issued is
// checked by a real TLS client trusting only Pebble's root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateId } from '../../src/certificates/certificate-record.ts';
import type { AcmeSettings } from '../../src/certificates/acme-settings.ts';
import { certificateKeyAad } from '../../src/certificates/certificate-store.ts';
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
    // A name longer than a subject CN may be (64) is in the SAN list only.
    const long = `${'l'.repeat(60)}.shop.example.com`;
    kit.claims = [acmeClaim('shop', 'production', 'shop.example.com'), acmeClaim('shop', 'production', 'WWW.shop.example.com'), acmeClaim('shop', 'staging', 'staging.shop.example.com'), acmeClaim('shop', 'production', long)];
    await kit.manager(dp, acme).reconcile();
    const prodId = certificateId(['shop.example.com', 'www.shop.example.com', long]);
    const prod = await kit.store.getCertificate(prodId);
    assert.equal(prod?.state, 'valid', prod?.lastError ?? '');
    assert.deepEqual(prod.domains, [long, 'shop.example.com', 'www.shop.example.com']);
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
    await served(prodId, long);
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
    // A data plane that lost its table gets every certificate again; one the store never had (an operator's) stays.
    dp.certificates.clear();
    await dp.putCertificate('cert-operator', { hosts: ['x'], certificatePem: prod.certificatePem ?? '', keyPem: 'k' });
    await kit.manager(dp, acme).reconcile();
    assert.deepEqual([...dp.certificates.keys()].sort(), ['cert-operator', prodId, certificateId(['staging.shop.example.com'])].sort());
    dp.certificates.clear();
  });

  await t.test('renewal at two thirds of the lifetime: state renewing while the old certificate keeps serving, then a new one under the same id', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('blog', 'production', 'blog.example.com')];
    const id = certificateId(['blog.example.com']);
    await kit.manager(dp, acme).reconcile();
    const first = await kit.store.getCertificate(id);
    assert.equal(first?.state, 'valid', first?.lastError ?? '');
    const oldSerial = (await served(id, 'blog.example.com')).serialNumber;
    // Not yet due: a minute before the renewal time, nothing is ordered.
    kit.clock = new Date(Date.parse(first.nextAttemptAt ?? '') - 60_000);
    await kit.manager(dp, acme).reconcile();
    assert.equal((await kit.store.getCertificate(id))?.certificatePem, first.certificatePem);
    kit.advance(61_000);
    let during: { state: string | undefined; serial: string } | null = null;
    dp.beforeChallenge = async () => {
      during ??= { state: (await kit.store.getCertificate(id))?.state, serial: new X509Certificate(dp.certificates.get(id)?.certificatePem ?? '').serialNumber };
    };
    t.after(() => (dp.beforeChallenge = null));
    await kit.manager(dp, acme).reconcile();
    assert.deepEqual(during, { state: 'renewing', serial: oldSerial }, 'renewing, and the old certificate served during the order');
    const renewed = await kit.store.getCertificate(id);
    assert.equal(renewed?.state, 'valid');
    const newSerial = (await served(id, 'blog.example.com')).serialNumber;
    assert.notEqual(newSerial, oldSerial);
    // Pebble dates certificates by its own clock to the second: one issued in the same second renews at the same time.
    assert.ok(Date.parse(renewed.nextAttemptAt ?? '') >= Date.parse(first.nextAttemptAt ?? ''));
    dp.certificates.clear();
  });

  await t.test('a changed domain list: a new certificate; the old one serves until it is valid, then goes', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('api', 'production', 'api.example.com')];
    const oldId = certificateId(['api.example.com']);
    await kit.manager(dp, acme).reconcile();
    await served(oldId, 'api.example.com');
    kit.claims = [...kit.claims, acmeClaim('api', 'production', 'v2.api.example.com')];
    const newId = certificateId(['api.example.com', 'v2.api.example.com']);
    let oldServedDuring = false;
    dp.beforeChallenge = async () => {
      oldServedDuring ||= dp.certificates.has(oldId) && (await kit.store.getCertificate(oldId)) !== undefined;
    };
    t.after(() => (dp.beforeChallenge = null));
    await kit.manager(dp, acme).reconcile();
    assert.ok(oldServedDuring, 'the old certificate was served while the new one was ordered');
    assert.notEqual(newId, oldId);
    assert.equal((await kit.store.getCertificate(newId))?.state, 'valid');
    assert.equal(await kit.store.getCertificate(oldId), undefined);
    assert.equal(dp.certificates.has(oldId), false);
    await served(newId, 'v2.api.example.com');
    await served(newId, 'api.example.com');
    dp.certificates.clear();
  });

  await t.test('a failed challenge: state failed with the CA\'s message, backoff with jitter, other certificates unaffected, then issued', async (t) => {
    const kit = await CertificateKit.open(t);
    // Pebble's DNS sends the name elsewhere: nothing answers HTTP-01 on 127.0.0.2.
    await pebble.addA('elsewhere.example.com', ['127.0.0.2']);
    kit.claims = [acmeClaim('lost', 'production', 'elsewhere.example.com'), acmeClaim('fine', 'production', 'fine.example.com')];
    const id = certificateId(['elsewhere.example.com']);
    const m = kit.manager(dp, acme, { backoff: { initialMs: 60_000, maxMs: 600_000 }, random: () => 0.5 });
    await m.reconcile();
    const failed = await kit.store.getCertificate(id);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed.failures, 1);
    assert.match(failed.lastError ?? '', /HTTP-01 challenge for elsewhere\.example\.com failed: .*127\.0\.0\.2/);
    assert.equal(failed.certificatePem, null);
    assert.equal(dp.certificates.has(id), false);
    // Equal jitter: half the delay plus random × half (here 0.5): 45 s after the first failure.
    assert.equal(Date.parse(failed.nextAttemptAt ?? '') - kit.clock.getTime(), 45_000);
    assert.equal((await kit.store.getCertificate(certificateId(['fine.example.com'])))?.state, 'valid');
    await served(certificateId(['fine.example.com']), 'fine.example.com');
    // Within the backoff, a deploy's reconcile does not try again.
    kit.advance(30_000);
    await m.reconcile();
    assert.equal((await kit.store.getCertificate(id))?.failures, 1);
    kit.advance(15_000);
    await m.reconcile();
    const twice = await kit.store.getCertificate(id);
    assert.equal(twice?.failures, 2);
    assert.equal(Date.parse(twice.nextAttemptAt ?? '') - kit.clock.getTime(), 90_000);
    // The name comes back: the next attempt issues.
    await pebble.clearA('elsewhere.example.com');
    kit.advance(90_000);
    await m.reconcile();
    const fixed = await kit.store.getCertificate(id);
    assert.equal(fixed?.state, 'valid', fixed?.lastError ?? '');
    assert.equal(fixed.failures, 0);
    assert.equal(fixed.lastError, null);
    await served(id, 'elsewhere.example.com');
    dp.certificates.clear();
  });

  await t.test('a control plane stopped mid-order: the next one resumes the same order (its URL was stored)', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('resume', 'production', 'resume.example.com')];
    const id = certificateId(['resume.example.com']);
    let release: (e: Error) => void = () => {};
    let firstToken = '';
    const reached = new Promise<void>((resolve) => {
      dp.beforeChallenge = (token) => {
        firstToken = token;
        resolve();
        return new Promise<void>((_, reject) => (release = reject));
      };
    });
    t.after(() => (dp.beforeChallenge = null));
    const first = kit.manager(dp, acme);
    const firstPass = first.reconcile();
    await reached;
    const mid = await kit.store.getCertificate(id);
    assert.equal(mid?.state, 'pending');
    assert.ok(mid.orderUrl, 'the order URL is stored before the challenge');
    first.stop(); // the process "ends": it writes nothing more
    dp.beforeChallenge = null;
    await kit.manager(dp, acme).reconcile();
    const done = await kit.store.getCertificate(id);
    assert.equal(done?.state, 'valid', done?.lastError ?? '');
    assert.ok(dp.challengeRequests.includes(firstToken), 'Pebble validated the challenge of the first order');
    await served(id, 'resume.example.com');
    release(new Error('the old process is gone'));
    await firstPass;
    assert.equal((await kit.store.getCertificate(id))?.state, 'valid', 'the stopped manager wrote nothing');
    assert.equal(dp.challenges.size, 0);
    dp.certificates.clear();
  });

  await t.test('an order the CA no longer knows is ordered again, without leaking challenges', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('gone', 'production', 'gone.example.com')];
    const id = certificateId(['gone.example.com']);
    await kit.store.putCertificate({ id, domains: ['gone.example.com'], source: 'acme', state: 'pending', certificatePem: null, sealedKey: null, notAfter: null, issuer: null, lastError: null, failures: 0, nextAttemptAt: null, orderUrl: `${pebble.directoryUrl.replace(/\/dir$/, '')}/my-order/nope`, updatedAt: kit.clock.toISOString() });
    await kit.manager(dp, acme).reconcile();
    assert.equal((await kit.store.getCertificate(id))?.state, 'valid');
    assert.equal(dp.challenges.size, 0);
    dp.certificates.clear();
  });

  await t.test('an unreachable directory: failed with the reason; provided certificates are still served', async (t) => {
    const kit = await CertificateKit.open(t);
    kit.claims = [acmeClaim('off', 'production', 'off.example.com')];
    const provided = dp.certificates.size === 0 ? await (async () => {
      // A certificate issued here stands for one the user provided in a secret group.
      const other = await CertificateKit.open(t);
      other.claims = [acmeClaim('own', 'production', 'own.example.com')];
      await other.manager(dp, acme).reconcile();
      const rec = await other.store.getCertificate(certificateId(['own.example.com']));
      assert.ok(rec?.sealedKey);
      return { ...rec, source: 'provided' as const, sealedKey: kit.keyring.encrypt(other.keyring.decrypt(rec.sealedKey, certificateKeyAad(rec.id)), certificateKeyAad(rec.id)) };
    })() : null;
    assert.ok(provided);
    dp.certificates.clear();
    await kit.store.putCertificate(provided);
    kit.claims = [...kit.claims, { ...acmeClaim('own', 'production', 'own.example.com'), certificate: { group: 'tls', key: 'own' } }];
    const port = await freePort();
    const offline = kit.manager(dp, { ...acme, directoryUrl: `https://127.0.0.1:${port}/dir` });
    await offline.reconcile();
    const failed = await kit.store.getCertificate(certificateId(['off.example.com']));
    assert.equal(failed?.state, 'failed');
    assert.match(failed.lastError ?? '', new RegExp(`the ACME directory https://127\\.0\\.0\\.1:${port}/dir is unreachable: .*ECONNREFUSED`));
    assert.deepEqual([...dp.certificates.keys()], [provided.id]);
    await served(provided.id, 'own.example.com');
    // The claim of the provided certificate goes: so does the certificate, from the store and the data plane.
    kit.claims = kit.claims.filter((c) => c.certificate === null);
    kit.advance(3_600_000);
    await offline.reconcile();
    assert.equal(await kit.store.getCertificate(provided.id), undefined);
    assert.equal(dp.certificates.size, 0);
  });
});

