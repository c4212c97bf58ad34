// Custom domains at deploy: a release's domains are claimed for its (project, environment)
// before any route changes; a domain another environment holds fails the deploy naming the
// holder, and what serves now keeps serving. Certificates the user brings are read from their
// secret group, checked and stored here; then the certificate reconciler brings the data
// plane's certificates in line (ACME orders, renewals, pushes: helper code in src/certificates).
import type { CertificateReconciler } from '../../certificates/certificate-reconciler.ts';
import { certificateId, type CertificateRecord } from '../../certificates/certificate-record.ts';
import { certificateKeyAad, type CertificateStore } from '../../certificates/certificate-store.ts';
import { parseProvidedCertificate, privateKeyBlocks, type ProvidedCertificate } from '../../certificates/provided-certificate.ts';
import type { DomainClaim } from '../../domains/domain-claim.ts';
import { InvalidInputError, errorMessage } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { ReleaseConfig } from '../deploy/release-config.ts';
import type { Sealer } from '../secrets/secret-service.ts';

export interface DomainClaimsDeps {
  store: Pick<Store, 'listDomainClaims' | 'replaceDomainClaims'>;
  /** The current value of a secret key (null: no such key). */
  readSecret: (group: string, key: string) => Promise<string | null>;
  sealer: Pick<Sealer, 'encrypt'>;
  /** Where provided certificates are written; null until the store has certificates (then they are only checked). */
  certificates: CertificateStore | null;
  /** Called after claims change; null: nothing orders certificates (tests, or before helper "acme"). */
  reconciler: CertificateReconciler | null;
  clock: Clock;
  /** Where a failed reconcile is reported: the deploy does not fail for it (the environment keeps serving HTTP). */
  warn: (line: string) => void;
  /** How long a deploy waits for the certificate pass before going on (it goes on in the background); default 20 s. */
  reconcileWaitMs?: number;
}

export function claimsOf(project: string, environment: string, config: ReleaseConfig): DomainClaim[] {
  const service = config.services[0]?.name ?? 'web';
  const hsts = config.hsts !== null && config.hsts !== undefined;
  return (config.domains ?? []).map((d) => ({ domain: d.name, project, environment, service, certificate: d.certificate ? { ...d.certificate } : null, hsts }));
}

export class DomainClaims {
  private readonly deps: DomainClaimsDeps;

  constructor(deps: DomainClaimsDeps) {
    this.deps = deps;
  }

  /**
   * Makes the release's domains the environment's claims. Provided certificates are checked
   * first (a bad one fails the deploy, nothing changes); a domain held elsewhere throws a
   * ConflictError naming the holder (nothing changes either).
   */
  async claim(project: string, environment: string, config: ReleaseConfig, log?: (line: string) => void): Promise<void> {
    const claims = claimsOf(project, environment, config);
    const provided: Array<{ domain: string; cert: ProvidedCertificate }> = [];
    for (const c of claims) if (c.certificate) provided.push({ domain: c.domain, cert: await this.readProvided(c.domain, c.certificate) });
    const before = await this.deps.store.listDomainClaims({ project });
    await this.deps.store.replaceDomainClaims(project, environment, claims);
    for (const p of provided) await this.storeProvided(p.domain, p.cert);
    if (changed(before.filter((c) => c.environment === environment), claims) || provided.length > 0) {
      await this.reconcile(log, claims.filter((c) => c.certificate === null).map((c) => c.domain));
    }
  }

  /** Releases every domain of the environment (a preview closed, an environment removed). */
  async release(project: string, environment: string): Promise<void> {
    const held = (await this.deps.store.listDomainClaims({ project })).filter((c) => c.environment === environment);
    if (held.length === 0) return;
    await this.deps.store.replaceDomainClaims(project, environment, []);
    await this.reconcile();
  }

  /**
   * Runs the certificate pass, waiting a bounded time (a CA may be slow; the pass goes on), and
   * tells the deploy's log how the certificate of the ACME domains stands.
   */
  private async reconcile(log?: (line: string) => void, acmeDomains: readonly string[] = []): Promise<void> {
    if (!this.deps.reconciler) return;
    const waitMs = this.deps.reconcileWaitMs ?? 20_000;
    const pass = this.deps.reconciler.reconcile().then(
      () => 'done' as const,
      (error: unknown) => {
        this.deps.warn(`certificates: ${errorMessage(error)} (the domains keep serving HTTP; the next reconcile tries again)`);
        return 'error' as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => {
      timer = setTimeout(() => resolve('waited'), waitMs);
      timer.unref();
    });
    const outcome = await Promise.race([pass, waited]);
    clearTimeout(timer);
    if (!log || acmeDomains.length === 0 || !this.deps.certificates) return;
    const names = acmeDomains.join(', ');
    const record = await this.deps.certificates.getCertificate(certificateId(acmeDomains));
    if (outcome === 'waited') log(`certificate for ${names}: still being ordered after ${Math.round(waitMs / 1000)} s; the deploy goes on (\`sluice domains\` shows its state)`);
    else if (record?.state === 'failed') log(`certificate for ${names} failed: ${record.lastError ?? 'unknown error'} (the environment keeps serving HTTP${record.nextAttemptAt ? `; next attempt at ${record.nextAttemptAt}` : ''})`);
    else if (record?.state === 'valid') log(`certificate for ${names}: valid until ${record.notAfter ?? '?'}${record.issuer ? ` (${record.issuer})` : ''}`);
  }

  private async readProvided(domain: string, ref: { group: string; key: string }): Promise<ProvidedCertificate> {
    const where = `secret ${ref.group}/${ref.key}`;
    const text = await this.deps.readSecret(ref.group, ref.key);
    if (text === null) throw new InvalidInputError(`certificate of ${domain}: ${where} does not exist (set it with \`sluice secret set ${ref.group} ${ref.key} < fullchain-and-key.pem\`)`, { domain });
    const keyText = privateKeyBlocks(text).length > 0 ? null : await this.deps.readSecret(ref.group, `${ref.key}_KEY`);
    return parseProvidedCertificate(domain, where, text, keyText, this.deps.clock.now());
  }

  private async storeProvided(domain: string, cert: ProvidedCertificate): Promise<void> {
    const store = this.deps.certificates;
    if (!store) return;
    const id = certificateId([domain]);
    const existing = await store.getCertificate(id);
    if (existing?.source === 'provided' && existing.state === 'valid' && existing.certificatePem === cert.certificatePem) return;
    const record: CertificateRecord = {
      id,
      domains: [domain],
      source: 'provided',
      state: 'valid',
      certificatePem: cert.certificatePem,
      sealedKey: this.deps.sealer.encrypt(cert.keyPem, certificateKeyAad(id)),
      notAfter: cert.notAfter,
      issuer: cert.issuer,
      lastError: null,
      failures: 0,
      nextAttemptAt: null,
      orderUrl: null,
      updatedAt: this.deps.clock.now().toISOString(),
    };
    await store.putCertificate(record);
  }
}

function changed(before: DomainClaim[], after: DomainClaim[]): boolean {
  const key = (c: DomainClaim): string => JSON.stringify([c.domain, c.service, c.certificate, c.hsts]);
  const a = new Set(before.map(key));
  return a.size !== after.length || after.some((c) => !a.has(key(c)));
}
