// The control plane's certificate manager: brings certificates in line with the domain claims.
// It orders (ACME, HTTP-01 answered by the data plane), renews at two thirds of the lifetime,
// replaces a certificate whose domain list changed (the old one serves until the new one is
// valid), backs off with jitter after failures, and keeps the data plane's certificate table
// equal to the usable records of the store (also after a data-plane restart).
import { backoffDelay } from '../backoff.ts';
import type { Logger } from '../engine/logger.ts';
import { ErrorCode, errorMessage, SluiceError } from '../errors.ts';
import { AcmeOrderer } from './acme-orderer.ts';
import type { AcmeSettings } from './acme-settings.ts';
import { certificateFacts, leafFingerprint, renewalTime } from './certificate-facts.ts';
import type { CertificateDataPlane, CertificateManagerStore, DomainClaimSource, KeySealer } from './certificate-ports.ts';
import { certificateKeyAad } from './certificate-store.ts';
import type { CertificateRecord } from './certificate-record.ts';
import type { CertificateReconciler } from './certificate-reconciler.ts';
import { desiredCertificates, type DesiredCertificate } from './desired-certificates.ts';

export interface CertificateBackoff {
  initialMs: number;
  maxMs: number;
}

/** 1 min, 2, 4, … up to 6 h: well inside Let's Encrypt's failed-validation limit (5 per hour per name). */
export const defaultCertificateBackoff: CertificateBackoff = { initialMs: 60_000, maxMs: 6 * 3_600_000 };

export interface CertificateManagerOptions {
  claims: DomainClaimSource;
  store: CertificateManagerStore;
  dataPlane: CertificateDataPlane;
  sealer: KeySealer;
  acme: AcmeSettings;
  /** --public-url: an https one gets a certificate for its host. */
  publicUrl: string | null;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  backoff?: CertificateBackoff;
  /** The longest wait between two passes of the timer (renewals, data-plane restarts); default 60 s. */
  intervalMs?: number;
  /** Told when an order fails after the certificate's last success (not at every retry): certificate.failed. */
  onFailed?: (failure: CertificateFailure) => void;
}

export interface CertificateFailure {
  domains: string[];
  error: string;
  failures: number;
  nextAttemptAt: string;
}

/** Has a certificate and key that are not expired: the data plane serves it. */
export function usableCertificate(rec: CertificateRecord, now: Date): boolean {
  return rec.certificatePem !== null && rec.sealedKey !== null && rec.notAfter !== null && Date.parse(rec.notAfter) > now.getTime();
}

export class CertificateManager implements CertificateReconciler {
  readonly #opts: CertificateManagerOptions;
  readonly #now: () => Date;
  readonly #backoff: CertificateBackoff;
  readonly #orderer: AcmeOrderer;
  #pass: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(opts: CertificateManagerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.#backoff = opts.backoff ?? defaultCertificateBackoff;
    this.#orderer = new AcmeOrderer({ settings: opts.acme, store: opts.store, sealer: opts.sealer, dataPlane: opts.dataPlane, now: this.#now });
  }

  /** Reconciles now and then on a timer (sooner when a retry or renewal is due). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** No further pass starts, and a pass in flight writes nothing more (as if the process ended). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One pass at a time; a call during a pass gets the pass after it (which sees its changes). */
  reconcile(): Promise<void> {
    if (this.#pass === null) {
      this.#pass = this.#run().finally(() => (this.#pass = null));
      return this.#pass;
    }
    this.#queued ??= this.#pass.then(() => {
      this.#queued = null;
      return this.reconcile();
    });
    return this.#queued;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reconcile().then(async () => this.#schedule(await this.#nextWakeMs()));
    }, ms);
    this.#timer.unref();
  }

  async #nextWakeMs(): Promise<number> {
    const interval = this.#opts.intervalMs ?? 60_000;
    try {
      const now = this.#now().getTime();
      const due = (await this.#opts.store.listCertificates()).filter((r) => r.source === 'acme' && r.nextAttemptAt !== null).map((r) => Date.parse(r.nextAttemptAt ?? '') - now);
      // At least a second: a stale certificate kept serving for a replacement is never attempted, so its past time must not spin the timer.
      return Math.max(1000, Math.min(interval, ...due));
    } catch {
      return interval;
    }
  }

  async #run(): Promise<void> {
    try {
      const claims = await this.#opts.claims.listDomainClaims();
      const desired = desiredCertificates(claims, this.#opts.publicUrl);
      for (const want of desired) {
        if (this.#stopped) return;
        await this.#bringUp(want);
      }
      if (this.#stopped) return;
      await this.#dropStale(desired, new Set(claims.filter((c) => c.certificate !== null).map((c) => c.domain.toLowerCase())));
      await this.#push();
    } catch (error) {
      this.#opts.logger.warn(`certificates: ${errorMessage(error)}`);
    }
  }

  async #write(rec: CertificateRecord): Promise<void> {
    if (!this.#stopped) await this.#opts.store.putCertificate(rec);
  }

  /** Orders what has no certificate yet, what is due for renewal, and retries what failed once its backoff ends. */
  async #bringUp(want: DesiredCertificate): Promise<void> {
    const now = this.#now();
    let rec = await this.#opts.store.getCertificate(want.id);
    if (rec?.source === 'provided') return;
    if (rec === undefined) {
      rec = { id: want.id, domains: want.domains, source: 'acme', state: 'pending', certificatePem: null, sealedKey: null, notAfter: null, issuer: null, lastError: null, failures: 0, nextAttemptAt: null, orderUrl: null, updatedAt: now.toISOString() };
      await this.#write(rec);
    }
    // An order in flight when the control plane stopped resumes at once; otherwise it waits for its time.
    const interrupted = (rec.state === 'pending' || rec.state === 'renewing') && rec.orderUrl !== null;
    const due = rec.nextAttemptAt === null || Date.parse(rec.nextAttemptAt) <= now.getTime();
    if (!interrupted && !due) return;
    const usable = usableCertificate(rec, now);
    if (rec.state !== 'pending' && rec.state !== 'renewing') {
      rec = { ...rec, state: usable ? 'renewing' : 'pending', updatedAt: now.toISOString() };
      await this.#write(rec);
    }
    const started = rec;
    try {
      const issued = await this.#orderer.order({
        domains: want.domains,
        resumeUrl: started.orderUrl,
        onOrder: async (orderUrl) => this.#write({ ...started, orderUrl, updatedAt: this.#now().toISOString() }),
        onResume: (orderUrl) => this.#opts.logger.info(`certificates: resuming the order ${orderUrl} for ${want.domains.join(', ')} (an earlier attempt was interrupted)`),
      });
      const facts = certificateFacts(issued.certificatePem);
      await this.#write({
        ...started,
        state: 'valid',
        certificatePem: issued.certificatePem,
        sealedKey: this.#opts.sealer.encrypt(issued.keyPem, certificateKeyAad(want.id)),
        notAfter: facts.notAfter.toISOString(),
        issuer: facts.issuer,
        lastError: null,
        failures: 0,
        nextAttemptAt: renewalTime(facts).toISOString(),
        orderUrl: null,
        updatedAt: this.#now().toISOString(),
      });
      this.#opts.logger.info(`certificates: ${want.domains.join(', ')} issued by ${facts.issuer}, valid until ${facts.notAfter.toISOString()}`);
    } catch (error) {
      const failures = started.failures + 1;
      const at = this.#now();
      const delay = backoffDelay(failures - 1, this.#backoff.initialMs, this.#backoff.maxMs, this.#opts.random);
      const lastError = errorMessage(error);
      // The certificate it had (if any) keeps serving; the environment keeps serving HTTP otherwise.
      await this.#write({ ...started, state: 'failed', lastError, failures, nextAttemptAt: new Date(at.getTime() + delay).toISOString(), orderUrl: null, updatedAt: at.toISOString() });
      this.#opts.logger.warn(`certificates: ordering ${want.domains.join(', ')} failed (attempt ${failures}, next in ${Math.round(delay / 1000)} s): ${lastError}`);
      if (failures === 1) this.#opts.onFailed?.({ domains: want.domains, error: lastError, failures, nextAttemptAt: new Date(at.getTime() + delay).toISOString() });
    }
  }

  /**
   * ACME certificates no claim calls for any more. One whose names a replacement covers serves
   * until the replacement is usable (a changed domain list never drops HTTPS in between).
   * A provided certificate goes when no claim names a provided certificate for its domains.
   */
  async #dropStale(desired: DesiredCertificate[], providedDomains: Set<string>): Promise<void> {
    const now = this.#now();
    const records = await this.#opts.store.listCertificates();
    const byId = new Map(records.map((r) => [r.id, r]));
    const wanted = new Set(desired.map((d) => d.id));
    const waiting = desired.filter((d) => {
      const r = byId.get(d.id);
      return r === undefined || !usableCertificate(r, now);
    });
    for (const r of records) {
      if (r.source === 'provided') {
        if (r.domains.some((d) => providedDomains.has(d.toLowerCase())) || this.#stopped) continue;
        await this.#remove(r.id);
        this.#opts.logger.info(`certificates: the provided certificate ${r.id} (${r.domains.join(', ')}) is no longer claimed; removed`);
        continue;
      }
      if (wanted.has(r.id)) continue;
      const replacedLater = waiting.some((d) => d.domains.some((name) => r.domains.includes(name)));
      if (replacedLater && usableCertificate(r, now)) continue;
      if (this.#stopped) return;
      await this.#remove(r.id);
      this.#opts.logger.info(`certificates: ${r.domains.join(', ')} is no longer claimed; its certificate ${r.id} is removed`);
    }
  }

  /** From the data plane first: a failure there keeps the record, so the next pass tries again. */
  async #remove(id: string): Promise<void> {
    try {
      await this.#opts.dataPlane.deleteCertificate(id);
    } catch (error) {
      if (!(error instanceof SluiceError && error.code === ErrorCode.notFound)) throw error;
    }
    await this.#opts.store.deleteCertificate(id);
  }

  /**
   * The data plane serves every usable record (ACME and provided): what it lacks or holds in
   * another version (leaf fingerprint: a renewal may keep the expiry to the second) is put. Records that are not usable (expired) are taken out; certificates the
   * store never had are not the manager's (an operator's, a test's) and stay.
   */
  async #push(): Promise<void> {
    const now = this.#now();
    const records = await this.#opts.store.listCertificates();
    const usable = records.filter((r) => usableCertificate(r, now));
    const served = await this.#opts.dataPlane.listCertificates();
    const servedAs = new Map(served.map((c) => [c.id, c.fingerprint]));
    for (const r of usable) {
      if (servedAs.get(r.id) === leafFingerprint(r.certificatePem)) continue;
      if (this.#stopped) return;
      const keyPem = this.#opts.sealer.decrypt(r.sealedKey ?? '', certificateKeyAad(r.id));
      await this.#opts.dataPlane.putCertificate(r.id, { hosts: r.domains, certificatePem: r.certificatePem ?? '', keyPem });
    }
    const keep = new Set(usable.map((r) => r.id));
    const known = new Set(records.map((r) => r.id));
    for (const c of served) if (known.has(c.id) && !keep.has(c.id) && !this.#stopped) await this.#opts.dataPlane.deleteCertificate(c.id);
  }
}
