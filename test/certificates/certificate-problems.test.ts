import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateOutcomes, outcomeLine } from '../../src/certificates/certificate-problems.ts';
import { certificateId, type CertificateRecord } from '../../src/certificates/certificate-record.ts';
import { desiredCertificates } from '../../src/certificates/desired-certificates.ts';

const rec = (domains: string[], patch: Partial<CertificateRecord> = {}): CertificateRecord => ({
  id: certificateId(domains), domains, source: 'acme', state: 'valid', certificatePem: null, sealedKey: null, notAfter: null, issuer: null,
  lastError: null, failures: 0, nextAttemptAt: null, orderUrl: null, updatedAt: '2026-01-01T00:00:00.000Z', ...patch,
});

void test('a deploy finds the outcome of its domains: a failed order gives a run-log line with the CA\'s message', () => {
  const records = [rec(['a.example.com', 'www.a.example.com'], { state: 'failed', lastError: 'rateLimited: too many certificates', nextAttemptAt: '2026-01-01T00:01:00.000Z' }), rec(['b.example.com'])];
  const mine = certificateOutcomes(records, ['WWW.a.example.com']);
  assert.equal(mine.length, 1);
  assert.equal(outcomeLine(mine[0]!), 'certificate for a.example.com, www.a.example.com failed: rateLimited: too many certificates (the environment keeps serving HTTP; next attempt at 2026-01-01T00:01:00.000Z)');
  assert.equal(outcomeLine(certificateOutcomes(records, ['b.example.com'])[0]!), null);
});

void test('desired certificates: ACME claims grouped per environment, provided ones left out, the https public URL added', () => {
  const claim = (project: string, environment: string, domain: string, provided = false) => ({ domain, project, environment, service: 'web', certificate: provided ? { group: 'tls', key: 'shop' } : null, hsts: false });
  const desired = desiredCertificates([claim('p', 'prod', 'B.example.com'), claim('p', 'prod', 'a.example.com'), claim('p', 'staging', 's.example.com'), claim('q', 'prod', 'own.example.com', true)], 'https://sluice.example.com:8443');
  assert.deepEqual(desired.map((d) => d.domains), [['a.example.com', 'b.example.com'], ['s.example.com'], ['sluice.example.com']]);
  assert.equal(desired[0]?.id, certificateId(['b.example.com', 'a.example.com']));
  assert.deepEqual(desiredCertificates([], 'http://sluice.example.com'), []);
});
