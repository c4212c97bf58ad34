// Domain claims in SQL: replaced per (project, environment) in one transaction; a domain held by
// another environment is a ConflictError naming the holder, also when two deploys race for it.
import type { Kysely, Transaction } from 'kysely';
import { ConflictError } from '../../errors.ts';
import { domainClaimSchema, type DomainClaim } from '../../domains/domain-claim.ts';
import type { Database, DomainClaimRow } from './database.ts';

function toRow(c: DomainClaim): DomainClaimRow {
  return {
    domain: c.domain,
    project: c.project,
    environment: c.environment,
    service: c.service,
    certificateGroup: c.certificate?.group ?? null,
    certificateKey: c.certificate?.key ?? null,
    hsts: c.hsts ? 1 : 0,
  };
}

function fromRow(r: DomainClaimRow): DomainClaim {
  return domainClaimSchema.parse({
    domain: r.domain,
    project: r.project,
    environment: r.environment,
    service: r.service,
    certificate: r.certificateGroup !== null && r.certificateKey !== null ? { group: r.certificateGroup, key: r.certificateKey } : null,
    hsts: Number(r.hsts) === 1,
  });
}

export async function listDomainClaims(db: Kysely<Database>, filter: { project?: string } = {}): Promise<DomainClaim[]> {
  let q = db.selectFrom('domainClaims').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  return (await q.orderBy('project').orderBy('environment').orderBy('domain').execute()).map(fromRow);
}

function heldBy(domain: string, holder: { project: string; environment: string }): ConflictError {
  return new ConflictError(`${domain} is already claimed by project ${holder.project}, environment ${holder.environment}`, { domain, project: holder.project, environment: holder.environment });
}

/**
 * One attempt, inside the caller's transaction. The caller tries again when the transaction
 * loses a race (SQLite busy, a unique violation): the next attempt reads the winner and names it.
 */
export async function replaceDomainClaimsIn(tx: Transaction<Database>, project: string, environment: string, claims: DomainClaim[]): Promise<void> {
  const rows = claims.map((c) => toRow({ ...c, project, environment }));
  const domains = rows.map((r) => r.domain);
  if (domains.length > 0) {
    const held = await tx
      .selectFrom('domainClaims')
      .selectAll()
      .where('domain', 'in', domains)
      .where((w) => w.or([w('project', '!=', project), w('environment', '!=', environment)]))
      .orderBy('domain')
      .executeTakeFirst();
    if (held) throw heldBy(held.domain, held);
  }
  await tx.deleteFrom('domainClaims').where('project', '=', project).where('environment', '=', environment).execute();
  if (rows.length > 0) await tx.insertInto('domainClaims').values(rows).execute();
}
