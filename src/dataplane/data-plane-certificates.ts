// The data plane's certificate table: what PUT /certificates hands over is checked, its key
// sealed into state.json, and its context swapped into the router live. At start the stored
// ones are opened and checked again, one by one: a bad entry is skipped with an error naming
// it, the others serve.
import { errorMessage, NotFoundError } from '../errors.ts';
import type { EdgeRouter } from '../router/edge/edge-router.ts';
import type { CertificateInput } from '../router/edge/parse-certificate.ts';
import type { CertificateSummary } from '../router/edge/sni-certificates.ts';
import type { DesiredState } from './desired-state.ts';
import type { SecretVault } from './secret-vault.ts';

export interface DataPlaneCertificatesDeps {
  state: DesiredState;
  vault: SecretVault;
  router: EdgeRouter;
  save: () => void;
  log: (line: string) => void;
}

const aadOf = (id: string): string => `certificate:${id}`;
// node:tls and X509 parsing are loaded with the first certificate, not by every data plane.
const parser = async (): Promise<typeof import('../router/edge/parse-certificate.ts').parseCertificate> => (await import('../router/edge/parse-certificate.ts')).parseCertificate;

export class DataPlaneCertificates {
  private readonly deps: DataPlaneCertificatesDeps;

  constructor(deps: DataPlaneCertificatesDeps) {
    this.deps = deps;
  }

  /** Opens and installs the stored certificates (an expired one still serves: the control plane replaces it). */
  async restore(): Promise<void> {
    const { state, vault, router, log } = this.deps;
    if (Object.keys(state.certificates).length === 0) return;
    const parseCertificate = await parser();
    for (const [id, stored] of Object.entries(state.certificates)) {
      try {
        const keyPem = vault.openValue(aadOf(id), stored.sealedKey);
        router.certificates.set(id, parseCertificate(id, { hosts: stored.hosts, certificatePem: stored.certificatePem, keyPem }, router.certificates, 0));
      } catch (error) {
        log(`error: skipping certificate ${JSON.stringify(id)} of the data-plane state: ${errorMessage(error)}`);
      }
    }
    if (router.certificates.size) log(`certificates: ${router.certificates.size} restored`);
  }

  /** Checks, seals and persists, then swaps it in: new handshakes get it, open connections keep theirs. */
  async put(id: string, input: CertificateInput): Promise<CertificateSummary> {
    const { state, vault, router, save, log } = this.deps;
    const parsed = (await parser())(id, input, router.certificates);
    state.certificates[id] = { hosts: parsed.hosts, certificatePem: parsed.certificatePem, sealedKey: vault.sealValue(aadOf(id), parsed.keyPem) };
    save();
    router.certificates.set(id, parsed);
    log(`certificate ${id} installed for ${parsed.hosts.join(', ')} (until ${parsed.notAfter})`);
    return { id, hosts: parsed.hosts, notAfter: parsed.notAfter, issuer: parsed.issuer, fingerprint: parsed.fingerprint };
  }

  delete(id: string): void {
    const { state, router, save, log } = this.deps;
    const stored = state.certificates[id] !== undefined;
    if (!stored && !router.certificates.delete(id)) throw new NotFoundError('certificate', id);
    delete state.certificates[id];
    save();
    router.certificates.delete(id);
    log(`certificate ${id} removed`);
  }

  list(): CertificateSummary[] {
    return this.deps.router.certificates.list();
  }

  /** For a master key rotation: each stored key, re-sealed in place. */
  sealedValues(): Array<{ aad: string; get: () => string; set: (sealed: string) => void }> {
    return Object.entries(this.deps.state.certificates).map(([id, c]) => ({ aad: aadOf(id), get: () => c.sealedKey, set: (sealed) => (c.sealedKey = sealed) }));
  }
}
