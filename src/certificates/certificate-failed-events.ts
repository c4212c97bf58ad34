// certificate.failed: one event per (project, environment) whose custom domains the failed
// certificate covers. The API's own name (--public-url) belongs to no project: no event.
import type { DomainClaim } from '../domains/domain-claim.ts';
import type { NewPlatformEvent } from '../events/platform-event.ts';
import type { CertificateFailure } from './certificate-manager.ts';

export function certificateFailedEvents(failure: CertificateFailure, claims: readonly DomainClaim[]): NewPlatformEvent[] {
  const names = new Set(failure.domains);
  const holders = new Map<string, { project: string; environment: string }>();
  for (const c of claims) if (names.has(c.domain.toLowerCase())) holders.set(`${c.project}\n${c.environment}`, { project: c.project, environment: c.environment });
  return [...holders.values()].map(({ project, environment }) => ({
    kind: 'certificate.failed',
    project,
    environment,
    release: null,
    run: null,
    commit: null,
    cause: 'server',
    summary: `${environment}: the certificate for ${failure.domains.join(', ')} could not be ordered: ${failure.error}`,
    facts: { domains: failure.domains, error: failure.error, failures: failure.failures, nextAttemptAt: failure.nextAttemptAt },
  }));
}
