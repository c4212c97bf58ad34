// One ACME order over HTTP-01, with acme-client (loaded on first use: a server without domains
// never pays for it). The order's URL is recorded before any challenge, so a control plane that
// restarts mid-order resumes it; an order that cannot be resumed is dropped for a new one.
import https from 'node:https';
import tls from 'node:tls';
import { errorMessage } from '../errors.ts';
import { AcmeOrderError } from './acme-order-error.ts';
import type { AcmeSettings } from './acme-settings.ts';
import type { CertificateDataPlane, CertificateStore, KeySealer } from './certificate-ports.ts';
import { acmeAccountKeyAad } from './key-aad.ts';

type AcmeModule = typeof import('acme-client');
type AcmeClient = InstanceType<AcmeModule['Client']>;
type AcmeOrder = Awaited<ReturnType<AcmeClient['createOrder']>>;

export interface IssuedCertificate {
  certificatePem: string;
  keyPem: string;
}

export interface OrderRequest {
  domains: string[];
  /** An order left by an interrupted attempt. */
  resumeUrl: string | null;
  /** Called with the order's URL before any challenge is answered. */
  onOrder(orderUrl: string): Promise<void>;
}

export interface AcmeOrdererOptions {
  settings: AcmeSettings;
  store: CertificateStore;
  sealer: KeySealer;
  dataPlane: CertificateDataPlane;
  now: () => Date;
}

async function loadAcme(settings: AcmeSettings): Promise<AcmeModule> {
  const acme = (await import('acme-client')).default;
  // acme-client's own axios instance (its README's documented hook): nothing else in the process
  // shares these defaults. Extra trust is added to the system roots, never instead of them.
  if (settings.caBundlePem !== null) acme.axios.defaults.httpsAgent = new https.Agent({ ca: [...tls.rootCertificates, settings.caBundlePem], keepAlive: true });
  acme.axios.defaults.timeout = 30_000;
  // Our own backoff retries a failed order; acme-client's (5 tries, 5 s apart) would hold a reconcile for a minute.
  const acmeSettings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } }).acmeSettings;
  acmeSettings.retryMaxAttempts = 1;
  acmeSettings.retryDefaultDelay = 1;
  return acme;
}

export class AcmeOrderer {
  readonly #opts: AcmeOrdererOptions;
  #acme: Promise<AcmeModule> | null = null;

  constructor(opts: AcmeOrdererOptions) {
    this.#opts = opts;
  }

  async order(req: OrderRequest): Promise<IssuedCertificate> {
    try {
      return await this.#order(req);
    } catch (error) {
      if (error instanceof AcmeOrderError) throw error;
      throw new AcmeOrderError(req.domains, this.#describe(error), error);
    }
  }

  #describe(error: unknown): string {
    const code = (error as { code?: unknown }).code;
    const message = errorMessage(error);
    if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|ECONNABORTED|EHOSTUNREACH|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO)/.test(code)) {
      return `the ACME directory ${this.#opts.settings.directoryUrl} is unreachable: ${message}`;
    }
    return message;
  }

  async #client(): Promise<{ acme: AcmeModule; client: AcmeClient }> {
    const { settings, store, sealer, now } = this.#opts;
    this.#acme ??= loadAcme(settings);
    const acme = await this.#acme;
    const stored = await store.getAcmeAccount(settings.directoryUrl);
    const accountKey = stored ? sealer.decrypt(stored.sealedKey, acmeAccountKeyAad(settings.directoryUrl)) : (await acme.crypto.createPrivateEcdsaKey()).toString();
    // Status polls: quick at first (Pebble and Let's Encrypt validate in about a second), then 5 s apart.
    const client = new acme.Client({ directoryUrl: settings.directoryUrl, accountKey, backoffAttempts: 14, backoffMin: 200, backoffMax: 5000 });
    // newAccount with a known key returns that account (RFC 8555 §7.3.1): also heals a CA that forgot it.
    const contact = settings.email ? [`mailto:${settings.email}`] : [];
    await client.createAccount({ termsOfServiceAgreed: true, contact });
    const accountUrl = client.getAccountUrl();
    if (!stored || stored.accountUrl !== accountUrl || stored.email !== settings.email) {
      await store.putAcmeAccount({
        directoryUrl: settings.directoryUrl,
        accountUrl,
        sealedKey: stored?.sealedKey ?? sealer.encrypt(accountKey, acmeAccountKeyAad(settings.directoryUrl)),
        email: settings.email,
        createdAt: stored?.createdAt ?? now().toISOString(),
      });
    }
    return { acme, client };
  }

  async #resume(client: AcmeClient, req: OrderRequest): Promise<AcmeOrder | null> {
    if (req.resumeUrl === null) return null;
    let order: AcmeOrder;
    try {
      order = await client.getOrder({ url: req.resumeUrl } as AcmeOrder);
    } catch {
      return null; // gone, expired, or another account's: order again
    }
    const same = order.identifiers.map((i) => i.value.toLowerCase()).sort().join(',') === [...req.domains].sort().join(',');
    // Its key is lost once the order is finalized (the key lives only in the process that made the CSR).
    if (same && (order.status === 'pending' || order.status === 'ready')) return order;
    await this.#clearChallenges(client, order);
    return null;
  }

  async #clearChallenges(client: AcmeClient, order: AcmeOrder): Promise<void> {
    try {
      for (const authz of await client.getAuthorizations(order)) {
        for (const ch of authz.challenges) if (ch.type === 'http-01') await this.#opts.dataPlane.deleteAcmeChallenge(ch.token).catch(() => {});
      }
    } catch {
      // best effort: challenge tokens live only in the data plane's memory
    }
  }

  async #order(req: OrderRequest): Promise<IssuedCertificate> {
    const { acme, client } = await this.#client();
    let order = await this.#resume(client, req);
    if (order === null) {
      order = await client.createOrder({ identifiers: req.domains.map((value) => ({ type: 'dns', value })) });
      await req.onOrder(order.url);
    }
    const tokens: string[] = [];
    try {
      for (const authz of await client.getAuthorizations(order)) {
        if (authz.status === 'valid') continue;
        const challenge = authz.challenges.find((c) => c.type === 'http-01');
        if (challenge === undefined) throw new AcmeOrderError(req.domains, `the CA offers no http-01 challenge for ${authz.identifier.value} (a wildcard needs DNS-01)`);
        const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
        await this.#opts.dataPlane.putAcmeChallenge(challenge.token, keyAuthorization);
        tokens.push(challenge.token);
        if (challenge.status === 'pending') await client.completeChallenge(challenge);
        try {
          await client.waitForValidStatus(authz);
        } catch (error) {
          throw new AcmeOrderError(req.domains, `the HTTP-01 challenge for ${authz.identifier.value} failed: ${errorMessage(error)}`, error);
        }
      }
    } finally {
      for (const token of tokens) await this.#opts.dataPlane.deleteAcmeChallenge(token).catch(() => {});
    }
    const [key, csr] = await acme.crypto.createCsr({ commonName: req.domains[0], altNames: req.domains }, await acme.crypto.createPrivateEcdsaKey());
    const finalized = await client.finalizeOrder(order, csr);
    const certificatePem = await client.getCertificate(finalized);
    return { certificatePem, keyPem: key.toString() };
  }
}
