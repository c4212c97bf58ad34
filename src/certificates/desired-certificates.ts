// The certificates the claims call for: one ACME certificate (a SAN list) per (project,
// environment), plus the API's own name when --public-url is https. Pure.
import type { DomainClaim } from '../domains/domain-claim.ts';
import { certificateId } from './certificate-record.ts';

export interface DesiredCertificate {
  id: string;
  /** Sorted, lower case, without duplicates. */
  domains: string[];
}

export function desiredCertificates(claims: readonly DomainClaim[], publicUrl: string | null): DesiredCertificate[] {
  const groups = new Map<string, Set<string>>();
  for (const c of claims) {
    if (c.certificate !== null) continue; // provided: written by the deploy from its secret group
    const key = `${c.project}\n${c.environment}`;
    const set = groups.get(key) ?? new Set<string>();
    set.add(c.domain.toLowerCase());
    groups.set(key, set);
  }
  if (publicUrl !== null) {
    const u = new URL(publicUrl);
    if (u.protocol === 'https:') groups.set('\napi', new Set([u.hostname.toLowerCase()]));
  }
  const out = new Map<string, DesiredCertificate>();
  for (const set of groups.values()) {
    const domains = [...set].sort();
    const id = certificateId(domains);
    out.set(id, { id, domains });
  }
  return [...out.values()];
}
