// A certificate handed to the router: a PEM chain (leaf first) and its private key, checked
// before it can reach a handshake. Everything is refused with a message naming the problem,
// so a bad upload never replaces a good certificate.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { InvalidInputError } from '../../errors.ts';

export interface CertificateInput {
  hosts: string[];
  certificatePem: string;
  keyPem: string;
}

export interface ParsedCertificate {
  hosts: string[];
  certificatePem: string;
  keyPem: string;
  notAfter: string;
  issuer: string;
  /** SHA-256 of the leaf (X509Certificate.fingerprint256): tells two certificates with the same expiry apart. */
  fingerprint: string;
  context: SecureContext;
}

/** TLS settings shared by every certificate's context (the listener's own are in tls-listener.ts). */
export interface ContextSettings {
  /** 48 bytes, the same for every context: a ticket issued under one certificate resumes under any. */
  ticketKeys: Buffer;
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
// A DNS name (labels of letters, digits and inner hyphens), optionally `*.` in front.
const hostPattern = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function normalizeCertificateHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

export function parseCertificate(id: string, input: CertificateInput, settings: ContextSettings, now = Date.now()): ParsedCertificate {
  const bad = (why: string): InvalidInputError => new InvalidInputError(`certificate ${JSON.stringify(id)}: ${why}`, { id });
  if (input.hosts.length === 0) throw bad('hosts is empty: a certificate must name the hosts it serves');
  const hosts = [...new Set(input.hosts.map(normalizeCertificateHost))];
  for (const host of hosts) {
    if (host.length > 253 || !hostPattern.test(host)) throw bad(`${JSON.stringify(host)} is not a valid host name`);
  }
  const blocks = input.certificatePem.match(pemBlock);
  if (!blocks) throw bad('certificatePem holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  let chain: X509Certificate[];
  try {
    chain = blocks.map((b) => new X509Certificate(b));
  } catch (error) {
    throw bad(`certificatePem does not parse: ${(error as Error).message}`);
  }
  const leaf = chain[0]!;
  let key: KeyObject;
  try {
    key = createPrivateKey(input.keyPem);
  } catch (error) {
    throw bad(`keyPem is not a PEM private key: ${(error as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) throw bad(`the private key does not match the certificate (subject ${oneLine(leaf.subject)})`);
  const notAfter = new Date(leaf.validTo);
  if (Number.isNaN(notAfter.getTime())) throw bad(`the certificate's expiry ${JSON.stringify(leaf.validTo)} does not parse`);
  if (notAfter.getTime() <= now) throw bad(`the certificate expired at ${notAfter.toISOString()}`);
  for (const host of hosts) {
    // A wildcard host is covered when any single label under it is.
    const probe = host.startsWith('*.') ? `sluice-probe${host.slice(1)}` : host;
    if (leaf.checkHost(probe, { wildcards: true }) === undefined) throw bad(`the certificate does not cover ${host}`);
  }
  let context: SecureContext;
  try {
    context = createSecureContext({ cert: input.certificatePem, key: input.keyPem, minVersion: 'TLSv1.2', ticketKeys: settings.ticketKeys });
  } catch (error) {
    throw bad(`TLS refuses the certificate: ${(error as Error).message}`);
  }
  return { hosts, certificatePem: input.certificatePem, keyPem: input.keyPem, notAfter: notAfter.toISOString(), issuer: oneLine(leaf.issuer), fingerprint: leaf.fingerprint256, context };
}
