// One ACME order over HTTP-01, with acme-client (loaded on first use: a server without domains
// never pays for it). The order's URL is recorded before any challenge, so a control plane that
// restarts mid-order resumes it; an order that cannot be resumed is dropped for a new one.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { errorMessage } from '../errors.ts';
import { AcmeOrderError } from './acme-order-error.ts';
import type { AcmeSettings } from './acme-settings.ts';
import type { CertificateDataPlane, CertificateManagerStore, KeySealer } from './certificate-ports.ts';
import { acmeAccountKeyAad } from './certificate-store.ts';

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
  /** Called when the order left by an interrupted attempt is taken up again. */
  onResume?(orderUrl: string): void;
}

export interface AcmeOrdererOptions {
  settings: AcmeSettings;
  store: CertificateManagerStore;
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

function networkError(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|ERR_TLS)/.test(code) ? errorMessage(error) : null;
}

/** The network error reaching the directory, or null when it answers. */
function probe(settings: AcmeSettings): Promise<string | null> {
  return new Promise((resolve) => {
    const ca = settings.caBundlePem === null ? undefined : [...tls.rootCertificates, settings.caBundlePem];
    const get = settings.directoryUrl.startsWith('http:') ? http.get : https.get;
    const req = get(settings.directoryUrl, { ca, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(null);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => resolve(e.message));
  });
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
      throw new AcmeOrderError(req.domains, await this.#describe(error), error);
    }
  }

  /**
   * The CA's message as it is; a network failure named with the directory. acme-client loses the
   * network error once its retries are spent (it throws a TypeError instead), so the directory is
   * asked again here to find the real reason.
   */
  async #describe(error: unknown): Promise<string> {
    const network = networkError(error) ?? (error instanceof TypeError ? await probe(this.#opts.settings) : null);
    return network === null ? errorMessage(error) : `the ACME directory ${this.#opts.settings.directoryUrl} is unreachable: ${network}`;
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
    if (same && (order.status === 'pending' || order.status === 'ready')) {
      req.onResume?.(req.resumeUrl);
      return order;
    }
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
    // A subject CN holds at most 64 characters (RFC 5280); the names are in the SAN list anyway.
    const commonName = req.domains.find((d) => d.length <= 64);
    const [key, csr] = await acme.crypto.createCsr({ ...(commonName === undefined ? {} : { commonName }), altNames: req.domains }, await acme.crypto.createPrivateEcdsaKey());
    const finalized = await client.finalizeOrder(order, csr);
    const certificatePem = await client.getCertificate(finalized);
    return { certificatePem, keyPem: key.toString() };
  }
}
