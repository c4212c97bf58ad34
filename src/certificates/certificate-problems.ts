// What a deploy tells its run log after reconcile: the certificate state of the domains it
// claimed, with the CA's message when ordering failed (the environment keeps serving HTTP).
import type { CertificateRecord } from './certificate-record.ts';

export interface CertificateOutcome {
  domains: string[];
  state: CertificateRecord['state'];
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** The records covering any of `domains`, one line of outcome each. */
export function certificateOutcomes(records: readonly CertificateRecord[], domains: readonly string[]): CertificateOutcome[] {
  const wanted = new Set(domains.map((d) => d.toLowerCase()));
  return records.filter((r) => r.domains.some((d) => wanted.has(d))).map((r) => ({ domains: r.domains, state: r.state, lastError: r.lastError, nextAttemptAt: r.nextAttemptAt }));
}

/** A run-log line for an outcome that needs attention; null when the certificate is fine. */
export function outcomeLine(o: CertificateOutcome): string | null {
  if (o.state !== 'failed') return null;
  const next = o.nextAttemptAt === null ? '' : `; next attempt at ${o.nextAttemptAt}`;
  return `certificate for ${o.domains.join(', ')} failed: ${o.lastError ?? 'unknown error'} (the environment keeps serving HTTP${next})`;
}
