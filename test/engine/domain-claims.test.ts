// Claims at deploy against a real SQLite store, with certificates made by openssl: a provided
// certificate is checked (parses, key matches, covers the domain, valid now, chain in order)
// with an error naming the problem before any claim changes; a good one is stored with its key
// sealed; the reconciler runs after claims change. Only the certificate store, the reconciler
// and the sealer are fakes (helper "acme" implements the first two).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainClaims } from '../../src/engine/domains/domain-claims.ts';
import type { CertificateRecord } from '../../src/certificates/certificate-record.ts';
import { certificateId } from '../../src/certificates/certificate-record.ts';
import type { ReleaseConfig } from '../../src/engine/deploy/release-config.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';

interface Pem {
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and leaf certificates it signs, made with openssl in a temporary directory. */
function pki(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test CA', '-days', '30']);
  let n = 0;
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    leaf(names: string[], days = 30): Pem {
      const id = `leaf${n++}`;
      writeFileSync(join(dir, `${id}.ext`), `subjectAltName=${names.map((x) => `DNS:${x}`).join(',')}\n`);
      openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${names[0]}`]);
      openssl(dir, ['x509', '-req', '-in', `${id}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${id}.pem`, '-days', String(days), '-extfile', `${id}.ext`]);
      return { cert: readFileSync(join(dir, `${id}.pem`), 'utf8'), key: readFileSync(join(dir, `${id}.key`), 'utf8') };
    },
  };
}

function config(domains: ReleaseConfig['domains'], hsts: ReleaseConfig['hsts'] = null): ReleaseConfig {
  return { services: [{ name: 'web', start: 'x', health: null, instances: 1, env: {} }], domains, hsts };
}

async function kit(t: TestContext, opts: { now?: Date; reconcileFails?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-claims-'));
  const store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const secrets = new Map<string, string>();
  const written: CertificateRecord[] = [];
  const warnings: string[] = [];
  let reconciles = 0;
  const claims = new DomainClaims({
    store,
    readSecret: async (g, k) => secrets.get(`${g}/${k}`) ?? null,
    sealer: { encrypt: (plain, aad) => `sealed[${aad}]${Buffer.from(plain).toString('base64')}` },
    certificates: {
      getCertificate: async (id) => written.findLast((r) => r.id === id),
      putCertificate: async (r) => void written.push(r),
    },
    reconciler: {
      reconcile: async () => {
        reconciles++;
        if (opts.reconcileFails) throw new Error('directory unreachable');
      },
    },
    clock: { now: () => opts.now ?? new Date(), sleep: async () => {} },
    warn: (line) => warnings.push(line),
  });
  return { store, secrets, written, warnings, claims, reconciles: () => reconciles };
}

const own = (domain: string, key = 'SHOP_PEM') => ({ name: domain, certificate: { group: 'certs', key } });

void test('a provided certificate (chain and key in one value) is checked, stored with its key sealed, and the reconciler runs', async (t) => {
  const p = pki(t);
  const k = await kit(t);
  const leaf = p.leaf(['www.shop.example.com']);
  k.secrets.set('certs/SHOP_PEM', `${leaf.cert}${p.ca}${leaf.key}`);
  await k.claims.claim('shop', 'production', config([{ name: 'shop.example.com', certificate: null }, own('www.shop.example.com')], { maxAgeSeconds: 60, includeSubDomains: false }));
  assert.deepEqual(
    (await k.store.listDomainClaims({ project: 'shop' })).map((c) => [c.domain, c.service, c.certificate, c.hsts]),
    [
      ['shop.example.com', 'web', null, true],
      ['www.shop.example.com', 'web', { group: 'certs', key: 'SHOP_PEM' }, true],
    ],
  );
  assert.equal(k.written.length, 1);
  const record = k.written[0]!;
  assert.equal(record.id, certificateId(['www.shop.example.com']));
  assert.deepEqual([record.source, record.state, record.domains, record.lastError, record.failures], ['provided', 'valid', ['www.shop.example.com'], null, 0]);
  assert.equal(record.certificatePem, `${leaf.cert.trim()}\n${p.ca.trim()}\n`, 'the chain, leaf first, without the key');
  assert.ok(!record.certificatePem?.includes('PRIVATE KEY'));
  assert.equal(record.sealedKey, `sealed[certificate:${record.id}]${Buffer.from(leaf.key.trim() + '\n').toString('base64')}`);
  assert.match(record.issuer ?? '', /CN=Test CA/);
  assert.ok(Date.parse(record.notAfter ?? '') > Date.now() + 29 * 86_400_000);
  assert.equal(k.reconciles(), 1);
  // The same claims again: nothing changed, no reconcile, no rewrite.
  await k.claims.claim('shop', 'production', config([{ name: 'shop.example.com', certificate: null }, own('www.shop.example.com')], { maxAgeSeconds: 60, includeSubDomains: false }));
  assert.equal(k.written.length, 1);
  // certbot's layout: the chain in KEY, the private key in KEY_KEY.
  const other = p.leaf(['api.shop.example.com']);
  k.secrets.set('certs/API_PEM', `${other.cert}${p.ca}`);
  k.secrets.set('certs/API_PEM_KEY', other.key);
  await k.claims.claim('shop', 'staging', config([own('api.shop.example.com', 'API_PEM')]));
  assert.equal(k.written.at(-1)?.id, certificateId(['api.shop.example.com']));
});

void test('a bad provided certificate fails the claim naming the problem, and nothing changes', async (t) => {
  const p = pki(t);
  const k = await kit(t);
  const good = p.leaf(['shop.example.com']);
  const stranger = p.leaf(['shop.example.com']);
  const elsewhere = p.leaf(['blog.example.com']);
  await k.claims.claim('shop', 'production', config([{ name: 'old.example.com', certificate: null }]));
  const cases: Array<[string | null, RegExp]> = [
    [null, /certificate of shop\.example\.com: secret certs\/SHOP_PEM does not exist \(set it with `sluice secret set certs SHOP_PEM < fullchain-and-key\.pem`\)/],
    ['not a pem', /secret certs\/SHOP_PEM\): no PEM certificate found/],
    [good.cert, /no private key found: put the key's PEM block after the chain in the same value, or in secret certs\/SHOP_PEM_KEY/],
    [`${good.cert}${stranger.key}`, /the private key does not match the certificate/],
    [`${elsewhere.cert}${elsewhere.key}`, /the certificate does not cover shop\.example\.com \(it names DNS:blog\.example\.com\)/],
    [`${good.cert}${elsewhere.cert}${good.key}`, /certificate 2 of the chain did not issue certificate 1/],
    [`${good.cert.split('\n').map((line, i) => (i === 1 ? 'A'.repeat(line.length) : line)).join('\n')}${good.key}`, /certificate 1 of the chain does not parse/],
    [`${good.cert}${good.key}${stranger.key}`, /2 private keys found/],
  ];
  for (const [value, message] of cases) {
    if (value === null) k.secrets.delete('certs/SHOP_PEM');
    else k.secrets.set('certs/SHOP_PEM', value);
    await assert.rejects(k.claims.claim('shop', 'production', config([own('shop.example.com')])), message, String(message));
  }
  // Expired: the same good certificate, a clock past its end.
  const later = await kit(t, { now: new Date(Date.now() + 40 * 86_400_000) });
  later.secrets.set('certs/SHOP_PEM', `${good.cert}${good.key}`);
  await assert.rejects(later.claims.claim('shop', 'production', config([own('shop.example.com')])), /certificate of shop\.example\.com \(secret certs\/SHOP_PEM\): the certificate expired on \d{4}-/);
  assert.deepEqual((await k.store.listDomainClaims()).map((c) => c.domain), ['old.example.com'], 'the claims stayed as they were');
  assert.equal(k.written.length, 0);
  assert.equal(k.reconciles(), 1, 'only the first, good claim reconciled');
});

void test('a domain another project holds is refused naming the holder; release frees it; a failing reconcile only warns', async (t) => {
  const k = await kit(t, { reconcileFails: true });
  await k.claims.claim('shop', 'production', config([{ name: 'shop.example.com', certificate: null }]));
  assert.match(k.warnings.join('\n'), /certificates: directory unreachable \(the domains keep serving HTTP/);
  await assert.rejects(k.claims.claim('blog', 'production', config([{ name: 'blog.example.com', certificate: null }, { name: 'shop.example.com', certificate: null }])), {
    code: 'conflict',
    message: 'shop.example.com is already claimed by project shop, environment production',
  });
  assert.deepEqual(await k.store.listDomainClaims({ project: 'blog' }), []);
  await k.claims.release('shop', 'production');
  assert.deepEqual(await k.store.listDomainClaims(), []);
  await k.claims.claim('blog', 'production', config([{ name: 'shop.example.com', certificate: null }]));
  assert.deepEqual((await k.store.listDomainClaims()).map((c) => `${c.domain}@${c.project}`), ['shop.example.com@blog']);
  assert.equal(k.reconciles(), 3);
});
