// --acme-* options: defaults, and each mistake named with its option before the server starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { letsEncryptProduction } from '../../src/certificates/acme-settings.ts';
import { acmeSettingsOf } from '../../src/config/acme-options.ts';
import { tempDir } from '../e2e/harness.ts';

void test('defaults: Let\'s Encrypt production, no contact, the system roots', () => {
  assert.deepEqual(acmeSettingsOf({}), { directoryUrl: letsEncryptProduction, email: null, caBundlePem: null });
});

void test('a CA bundle is read and checked; a bad directory, e-mail or bundle is refused naming the option', (t) => {
  const dir = tempDir('acme-options');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', cert, '-days', '1', '-subj', '/CN=test ca'], { stdio: 'ignore' });
  const ok = acmeSettingsOf({ acmeDirectory: 'https://ca.internal:14000/dir', acmeEmail: 'ops@example.com', acmeCaBundle: cert });
  assert.equal(ok.directoryUrl, 'https://ca.internal:14000/dir');
  assert.equal(ok.email, 'ops@example.com');
  assert.match(ok.caBundlePem ?? '', /BEGIN CERTIFICATE/);
  assert.throws(() => acmeSettingsOf({ acmeDirectory: 'letsencrypt' }), /--acme-directory must be the https URL of an ACME directory, got "letsencrypt"/);
  assert.throws(() => acmeSettingsOf({ acmeDirectory: 'ftp://ca/dir' }), /--acme-directory must be/);
  assert.throws(() => acmeSettingsOf({ acmeEmail: 'mailto:ops@example.com' }), /--acme-email must be an e-mail address/);
  assert.throws(() => acmeSettingsOf({ acmeEmail: 'ops' }), /--acme-email must be an e-mail address/);
  assert.throws(() => acmeSettingsOf({ acmeCaBundle: path.join(dir, 'missing.pem') }), /--acme-ca-bundle .*missing\.pem: ENOENT/);
  fs.writeFileSync(path.join(dir, 'key-only.pem'), fs.readFileSync(path.join(dir, 'k.pem')));
  assert.throws(() => acmeSettingsOf({ acmeCaBundle: path.join(dir, 'key-only.pem') }), /is not a PEM certificate bundle: no PEM certificate in it/);
  fs.writeFileSync(path.join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  assert.throws(() => acmeSettingsOf({ acmeCaBundle: path.join(dir, 'broken.pem') }), /broken\.pem is not a PEM certificate bundle/);
});
