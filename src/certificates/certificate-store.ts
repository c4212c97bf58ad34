// The part of the store that certificates need (helper "acme" implements it on Store, migration
// 0011). A port of its own so the domain code depends on these two methods only.
import type { CertificateRecord } from './certificate-record.ts';

export interface CertificateStore {
  getCertificate(id: string): Promise<CertificateRecord | null | undefined>;
  putCertificate(record: CertificateRecord): Promise<void>;
}

/** The AAD a certificate's key is sealed with: binds the sealed key to its record. */
export function certificateKeyAad(id: string): string {
  return `certificate:${id}`;
}

/** The AAD the server's ACME account key at one CA is sealed with. */
export function acmeAccountKeyAad(directoryUrl: string): string {
  return `acme-account:${directoryUrl}`;
}
