// What the certificate manager needs from the rest of Sluice, as narrow structural ports: the
// store, the domain claims, the data plane's certificate and challenge tables, and a sealer.
import type { DomainClaim } from '../domains/domain-claim.ts';
import type { Store } from '../store/store.ts';

export interface DomainClaimSource {
  listDomainClaims(): Promise<DomainClaim[]>;
}

export type CertificateManagerStore = Pick<Store, 'listCertificates' | 'getCertificate' | 'putCertificate' | 'deleteCertificate' | 'getAcmeAccount' | 'putAcmeAccount'>;

export interface DataPlaneCertificate {
  id: string;
  hosts: string[];
  notAfter: string;
  issuer: string;
  /** SHA-256 of the leaf, as X509Certificate.fingerprint256 gives it. */
  fingerprint: string;
}

/** The data plane's TLS side (src/dataplane/data-plane-client.ts). */
export interface CertificateDataPlane {
  putCertificate(id: string, body: { hosts: string[]; certificatePem: string; keyPem: string }): Promise<unknown>;
  deleteCertificate(id: string): Promise<void>;
  listCertificates(): Promise<DataPlaneCertificate[]>;
  putAcmeChallenge(token: string, keyAuthorization: string): Promise<void>;
  deleteAcmeChallenge(token: string): Promise<void>;
}

/** The server's keyring (src/secrets/keyring.ts): keys are sealed like secret values. */
export interface KeySealer {
  encrypt(plaintext: string, aad: string): string;
  decrypt(sealedJson: string, aad: string): string;
}
