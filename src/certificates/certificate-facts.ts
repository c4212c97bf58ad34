// What the manager reads from a PEM chain: its validity, issuer and when to renew it.
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  issuer: string;
}

export function certificateFacts(chainPem: string): CertificateFacts {
  const leaf = new X509Certificate(chainPem);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.issuer);
  return { notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo), issuer: cn?.[1] ?? leaf.issuer.replace(/\n/g, ', ') };
}

/** Two thirds into the lifetime (as Let's Encrypt advises): a third is left to retry failures in. */
export function renewalTime(facts: Pick<CertificateFacts, 'notBefore' | 'notAfter'>): Date {
  const from = facts.notBefore.getTime();
  return new Date(from + ((facts.notAfter.getTime() - from) * 2) / 3);
}

/** SHA-256 of a chain's leaf, as the data plane reports what it serves; null when there is none or it does not parse. */
export function leafFingerprint(chainPem: string | null): string | null {
  if (!chainPem) return null;
  try {
    return new X509Certificate(chainPem).fingerprint256;
  } catch {
    return null;
  }
}
