// The data plane's certificate table over its control socket: validation with clear errors,
// SNI (exact, wildcard, unknown), the key sealed in state.json, and a restart keeping them.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { statePathOf } from '../../src/dataplane/data-plane-paths.ts';
import { SluiceError } from '../../src/errors.ts';
import { handshake, tlsKit } from './tls-kit.ts';

/** The base64 body of a PEM: what must never be found in clear on disk. */
function pemBody(pem: string): string {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
}

void test('certificates: PUT, GET, SNI by exact and wildcard name, DELETE', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const port = dp.httpsPort!;
  assert.ok(port > 0);
  const a = k.certs.leaf('a', ['a.test', 'www.a.test']);
  const w = k.certs.leaf('w', ['*.w.test']);
  const put = await client.putCertificate('cert-a', { hosts: ['A.test', 'www.a.test'], ...a });
  assert.deepEqual(put.hosts, ['a.test', 'www.a.test']);
  await client.putCertificate('cert-w', { hosts: ['*.w.test'], ...w });
  const listed = await client.listCertificates();
  assert.deepEqual(listed.map((c) => [c.id, c.hosts]), [['cert-a', ['a.test', 'www.a.test']], ['cert-w', ['*.w.test']]]);
  assert.ok(Date.parse(listed[0]!.notAfter) > Date.now());
  assert.match(listed[0]!.issuer, /Sluice Test CA/);

  assert.equal((await handshake(port, 'a.test', k.certs.caPem)).subject.CN, 'a.test');
  assert.equal((await handshake(port, 'www.a.test', k.certs.caPem)).subject.CN, 'a.test');
  assert.equal((await handshake(port, 'shop.w.test', k.certs.caPem)).subject.CN, '*.w.test');
  // A wildcard covers one label only, and the bare name not at all.
  await assert.rejects(handshake(port, 'w.test', k.certs.caPem));
  await assert.rejects(handshake(port, 'x.shop.w.test', k.certs.caPem));
  // No certificate for the name: that handshake fails, the listener goes on.
  await assert.rejects(handshake(port, 'unknown.test', k.certs.caPem));
  assert.equal((await handshake(port, 'a.test', k.certs.caPem)).subject.CN, 'a.test');

  await client.deleteCertificate('cert-a');
  await assert.rejects(handshake(port, 'a.test', k.certs.caPem));
  await assert.rejects(client.deleteCertificate('cert-a'), (e: SluiceError) => e.code === 'not_found');
  assert.deepEqual((await client.listCertificates()).map((c) => c.id), ['cert-w']);
});

void test('certificates: bad input gets a clear error and leaves the served certificate alone', async (t) => {
  const k = await tlsKit(t);
  const { dp, client } = await k.start();
  const a = k.certs.leaf('a', ['a.test']);
  const other = k.certs.leaf('other', ['a.test']);
  await client.putCertificate('cert-a', { hosts: ['a.test'], ...a });
  const served = (await handshake(dp.httpsPort!, 'a.test', k.certs.caPem)).serialNumber;
  const expired = k.certs.leaf('expired', ['a.test'], { start: '20200101000000Z', end: '20200102000000Z' });
  const refused = async (id: string, body: unknown, pattern: RegExp): Promise<void> => {
    await assert.rejects(
      client.request('PUT', `/certificates/${id}`, body),
      (e: SluiceError) => e.code === 'invalid_input' && pattern.test(e.message),
    );
  };
  await refused('cert-a', { hosts: ['a.test'], certificatePem: a.certificatePem, keyPem: other.keyPem }, /private key does not match/);
  await refused('cert-a', { hosts: ['a.test'], certificatePem: 'garbage', keyPem: a.keyPem }, /no PEM certificate/);
  await refused('cert-a', { hosts: ['a.test'], certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', keyPem: a.keyPem }, /does not parse/);
  await refused('cert-a', { hosts: ['a.test'], certificatePem: a.certificatePem, keyPem: 'not a key' }, /not a PEM private key/);
  await refused('cert-a', { hosts: [], certificatePem: a.certificatePem, keyPem: a.keyPem }, /hosts is empty/);
  await refused('cert-a', { hosts: ['b.test'], certificatePem: a.certificatePem, keyPem: a.keyPem }, /does not cover b\.test/);
  await refused('cert-a', { hosts: ['bad host'], certificatePem: a.certificatePem, keyPem: a.keyPem }, /not a valid host name/);
  await refused('cert-a', { hosts: ['a.test'], ...expired }, /expired at 2020-01-02/);
  await refused('cert-a', { hosts: ['a.test'] }, /certificatePem/);
  await refused('bad%20id', { hosts: ['a.test'], ...a }, /invalid certificate id/);
  await assert.rejects(client.putAcmeChallenge('bad token!', 'x'), /invalid ACME challenge token/);
  // Still the same certificate, still served.
  assert.equal((await handshake(dp.httpsPort!, 'a.test', k.certs.caPem)).serialNumber, served);
  assert.deepEqual((await client.listCertificates()).map((c) => c.id), ['cert-a']);
});

void test('certificates: sealed in state.json, restored by a restarted data plane, a bad entry skipped by name', async (t) => {
  const k = await tlsKit(t);
  const first = await k.start();
  const a = k.certs.leaf('a', ['a.test']);
  const b = k.certs.leaf('b', ['b.test']);
  await first.client.putCertificate('cert-a', { hosts: ['a.test'], ...a });
  await first.client.putCertificate('cert-b', { hosts: ['b.test'], ...b });
  await first.stop();
  const statePath = statePathOf(k.kit.dataDir);
  const text = readFileSync(statePath, 'utf8');
  assert.ok(!text.includes(pemBody(a.keyPem)), 'the private key is in clear text in state.json');
  assert.ok(!text.includes('PRIVATE KEY'));
  assert.ok(text.includes(pemBody(a.certificatePem).slice(0, 60)), 'the certificate itself is kept');
  // Spoil cert-b's sealed key: it is skipped with an error naming it, cert-a still serves.
  const state = JSON.parse(text) as { certificates: Record<string, { sealedKey: string }> };
  state.certificates['cert-b']!.sealedKey = JSON.stringify({ v: 1, junk: true });
  writeFileSync(statePath, JSON.stringify(state));

  const second = await k.start();
  assert.equal((await handshake(second.dp.httpsPort!, 'a.test', k.certs.caPem)).subject.CN, 'a.test');
  await assert.rejects(handshake(second.dp.httpsPort!, 'b.test', k.certs.caPem));
  assert.ok(k.kit.lines.some((l) => /error: skipping certificate "cert-b" of the data-plane state/.test(l)), k.kit.lines.join('\n'));
  assert.deepEqual((await second.client.listCertificates()).map((c) => c.id), ['cert-a']);
  await second.stop();
});

void test('certificates: a data plane without a master key refuses to keep one, clearly', async (t) => {
  const k = await tlsKit(t);
  const { client } = await k.start({ masterKey: undefined });
  const a = k.certs.leaf('a', ['a.test']);
  await assert.rejects(client.putCertificate('cert-a', { hosts: ['a.test'], ...a }), /no master key: it cannot keep private keys/);
});
