// Custom domains of a project over the API: each claim with its environment and the state of
// its certificate (pending until a certificate record exists for it).
import type { FastifyInstance } from 'fastify';
import { need, seesEnvironment } from '../auth/permission.ts';
import type { CertificateRecord, CertificateState } from '../certificates/certificate-record.ts';
import type { DomainClaim } from '../domains/domain-claim.ts';
import { NotFoundError } from '../errors.ts';
import { errorResponses, projectParams } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface DomainApiDeps {
  /** Throws NotFoundError for an unknown project. */
  assertProject(project: string): Promise<void>;
  claims(project: string): Promise<DomainClaim[]>;
  /** The certificate of a domain set (ACME: every ACME domain of an environment; provided: one domain); null: none yet. */
  certificateOf(domains: readonly string[]): Promise<CertificateRecord | null>;
}

export interface DomainView {
  domain: string;
  environment: string;
  certificate: { state: CertificateState; notAfter: string | null; issuer: string | null; lastError: string | null; source: 'acme' | 'provided' };
}

/** The domain set whose certificate covers a claim, as the certificate manager groups them. */
export function certificateDomainsOf(claim: DomainClaim, all: readonly DomainClaim[]): string[] {
  if (claim.certificate) return [claim.domain];
  return all.filter((c) => c.certificate === null && c.project === claim.project && c.environment === claim.environment).map((c) => c.domain);
}

export async function domainViews(deps: DomainApiDeps, project: string, environment?: string): Promise<DomainView[]> {
  const all = await deps.claims(project);
  const out: DomainView[] = [];
  for (const claim of all) {
    if (environment !== undefined && claim.environment !== environment) continue;
    const record = await deps.certificateOf(certificateDomainsOf(claim, all));
    out.push({
      domain: claim.domain,
      environment: claim.environment,
      certificate: {
        state: record?.state ?? 'pending',
        notAfter: record?.notAfter ?? null,
        issuer: record?.issuer ?? null,
        lastError: record?.lastError ?? null,
        source: claim.certificate ? 'provided' : 'acme',
      },
    });
  }
  return out;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function registerDomainRoutes(app: FastifyInstance, deps: DomainApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/domains', { schema: { summary: 'Custom domains and their certificates', params: projectParams, querystring: observeSchemas.envQuerySchema, response: { 200: observeSchemas.domainListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const project = req.params.name!;
    await deps.assertProject(project);
    const env = req.query.env;
    // A token limited to environments finds nothing outside them, as with every project route.
    if (env !== undefined && !seesEnvironment(req.principal, env)) throw new NotFoundError('environment', env);
    return (await domainViews(deps, project, env)).filter((d) => seesEnvironment(req.principal, d.environment));
  });
}
