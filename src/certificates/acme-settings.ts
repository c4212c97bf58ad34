// Which ACME CA the server orders from, and how it trusts that CA's own HTTPS.

export const letsEncryptProduction = 'https://acme-v02.api.letsencrypt.org/directory';
export const letsEncryptStaging = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export interface AcmeSettings {
  directoryUrl: string;
  /** Contact for the account (expiry notices from the CA); null: none. */
  email: string | null;
  /** PEM of extra CAs trusted for the directory's HTTPS (private CAs, test servers); null: the system's. */
  caBundlePem: string | null;
}

export const defaultAcmeSettings: AcmeSettings = { directoryUrl: letsEncryptProduction, email: null, caBundlePem: null };
