// Test certificates made with openssl: one CA, leaf certificates with SANs signed by it, an
// expired one. P-256 keys (quick to make); everything under one temp directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  certificatePem: string;
  keyPem: string;
  /** Files, for curl and nginx. */
  certFile: string;
  keyFile: string;
}

export interface CertKit {
  dir: string;
  caPem: string;
  caFile: string;
  /** A leaf for these DNS names (first = CN), valid a day, or between the given dates (YYYYMMDDHHMMSSZ). */
  leaf(name: string, dnsNames: string[], dates?: { start: string; end: string }): TestCert;
  cleanup(): void;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function certKit(): CertKit {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Sluice Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndir=.\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\nunique_subject=no\n[p]\ncommonName=supplied\n',
  );
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    leaf(name, dnsNames, dates) {
      const base = name.replace(/[^a-z0-9.-]/gi, '_');
      const san = dnsNames.map((d) => `DNS:${d}`).join(',');
      openssl(dir, ['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${dnsNames[0]}`, '-addext', `subjectAltName=${san}`]);
      const validity = dates ? ['-startdate', dates.start, '-enddate', dates.end] : ['-days', '1'];
      openssl(dir, ['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${base}.csr`, '-out', `${base}.pem`, ...validity]);
      return {
        certificatePem: readFileSync(join(dir, `${base}.pem`), 'utf8'),
        keyPem: readFileSync(join(dir, `${base}.key`), 'utf8'),
        certFile: join(dir, `${base}.pem`),
        keyFile: join(dir, `${base}.key`),
      };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
