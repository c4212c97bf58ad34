// `sluice server --acme-directory/--acme-email/--acme-ca-bundle` → AcmeSettings, checked here so a
// mistake stops the start with the option's name instead of failing the first order later.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { letsEncryptProduction, type AcmeSettings } from '../certificates/acme-settings.ts';
import { errorMessage, InvalidInputError } from '../errors.ts';

export interface AcmeFlags {
  acmeDirectory?: string;
  acmeEmail?: string;
  acmeCaBundle?: string;
}

export function acmeSettingsOf(flags: AcmeFlags, readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): AcmeSettings {
  const directoryUrl = flags.acmeDirectory ?? letsEncryptProduction;
  let u: URL | null = null;
  try {
    u = new URL(directoryUrl);
  } catch {
    // named below
  }
  if (u === null || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new InvalidInputError(`--acme-directory must be the https URL of an ACME directory, got ${JSON.stringify(directoryUrl)}`);
  const email = flags.acmeEmail ?? null;
  if (email !== null && !/^[^\s@:]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new InvalidInputError(`--acme-email must be an e-mail address (name@example.com), got ${JSON.stringify(email)}`);
  let caBundlePem: string | null = null;
  if (flags.acmeCaBundle !== undefined) {
    try {
      caBundlePem = readFile(flags.acmeCaBundle);
    } catch (error) {
      throw new InvalidInputError(`--acme-ca-bundle ${flags.acmeCaBundle}: ${errorMessage(error)}`);
    }
    try {
      if (!caBundlePem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
      new X509Certificate(caBundlePem);
    } catch (error) {
      throw new InvalidInputError(`--acme-ca-bundle ${flags.acmeCaBundle} is not a PEM certificate bundle: ${errorMessage(error)}`);
    }
  }
  return { directoryUrl, email, caBundlePem };
}
