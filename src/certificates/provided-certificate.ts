// A certificate the user brings in a secret group: the PEM chain (leaf first) and its private
// key, in one value (the order of the blocks does not matter), or the key in KEY_KEY beside the
// chain in KEY (certbot's fullchain.pem and privkey.pem). Checked before anything is stored:
// it parses, the key matches, it covers the domain, it is valid now.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { InvalidInputError } from '../errors.ts';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export interface ProvidedCertificate {
  /** The certificate blocks only, leaf first. */
  certificatePem: string;
  keyPem: string;
  notAfter: string;
  issuer: string;
}

function blocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1]!, pem: `${m[0]}\n` }));
}

/** The key blocks of a PEM text (PKCS#8, PKCS#1 RSA, SEC1 EC). */
export function privateKeyBlocks(text: string): string[] {
  return blocks(text)
    .filter((b) => b.label.endsWith('PRIVATE KEY'))
    .map((b) => b.pem);
}

/**
 * Parses and checks the certificate of `domain` from `where` (a description for messages such
 * as `secret certs/SHOP_PEM`). `keyText` holds the key when `text` has none.
 */
export function parseProvidedCertificate(domain: string, where: string, text: string, keyText: string | null, now: Date): ProvidedCertificate {
  const fail = (problem: string): never => {
    throw new InvalidInputError(`certificate of ${domain} (${where}): ${problem}`, { domain });
  };
  const certBlocks = blocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length === 0) fail('no PEM certificate found: expected -----BEGIN CERTIFICATE----- blocks, leaf first, then its private key');
  const keys = [...privateKeyBlocks(text), ...(keyText === null ? [] : privateKeyBlocks(keyText))];
  if (keys.length === 0) fail(`no private key found: put the key's PEM block after the chain in the same value, or in ${where}_KEY`);
  if (keys.length > 1) fail(`${keys.length} private keys found: give exactly one`);
  const chain: X509Certificate[] = [];
  for (const [i, b] of certBlocks.entries()) {
    try {
      chain.push(new X509Certificate(b.pem));
    } catch (error) {
      fail(`certificate ${i + 1} of the chain does not parse (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(keys[0]!);
  } catch (error) {
    fail(`the private key does not parse (${error instanceof Error ? error.message : String(error)}); an encrypted key must be decrypted first`);
  }
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key!)) fail('the private key does not match the certificate (the first certificate must be the leaf, and the key its own)');
  if (leaf.checkHost(domain) === undefined) fail(`the certificate does not cover ${domain} (it names ${leaf.subjectAltName ?? leaf.subject.replace(/\n/g, ', ')})`);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) fail(`the certificate expired on ${notAfter.toISOString()}`);
  const notBefore = new Date(leaf.validFrom);
  if (notBefore.getTime() > now.getTime()) fail(`the certificate is not valid before ${notBefore.toISOString()}`);
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!)) fail(`certificate ${i + 2} of the chain did not issue certificate ${i + 1}: the chain goes leaf first, then each issuer`);
  }
  return {
    certificatePem: certBlocks.map((b) => b.pem).join(''),
    keyPem: keys[0]!,
    notAfter: notAfter.toISOString(),
    issuer: leaf.issuer.replace(/\n/g, ', '),
  };
}
