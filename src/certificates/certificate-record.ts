// A TLS certificate the control plane holds for a set of domains: ordered over ACME or provided
// by the user from a secret group. The key is sealed by the server's keyring, like secrets.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const certificateStates = ['pending', 'valid', 'failed', 'renewing'] as const;
export type CertificateState = (typeof certificateStates)[number];

export const certificateSources = ['acme', 'provided'] as const;
export type CertificateSource = (typeof certificateSources)[number];

export const certificateRecordSchema = z.object({
  id: z.string().min(1),
  domains: z.array(z.string().min(1)).min(1),
  source: z.enum(certificateSources),
  state: z.enum(certificateStates),
  certificatePem: z.string().nullable(),
  sealedKey: z.string().nullable(),
  notAfter: z.string().nullable(),
  issuer: z.string().nullable(),
  lastError: z.string().nullable(),
  failures: z.number().int().min(0),
  nextAttemptAt: z.string().nullable(),
  orderUrl: z.string().nullable(),
  updatedAt: z.string(),
});
export type CertificateRecord = z.infer<typeof certificateRecordSchema>;

/** Stable per domain set, whatever the order the domains were listed in. */
export function certificateId(domains: readonly string[]): string {
  const key = [...new Set(domains.map((d) => d.toLowerCase()))].sort().join(',');
  return `cert-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
