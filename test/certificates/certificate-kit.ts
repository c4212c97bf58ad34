// A certificate manager on a fresh SQLite store and keyring, against a given data plane and ACME
// directory, with a clock the test moves (renewals and backoff without sleeping).
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { CertificateManager, type CertificateManagerOptions } from '../../src/certificates/certificate-manager.ts';
import type { CertificateDataPlane } from '../../src/certificates/certificate-ports.ts';
import type { DomainClaim } from '../../src/domains/domain-claim.ts';
import { newKey } from '../../src/secrets/envelope.ts';
import { Keyring } from '../../src/secrets/keyring.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { tempDir } from '../e2e/harness.ts';

export function acmeClaim(project: string, environment: string, domain: string): DomainClaim {
  return { domain, project, environment, service: 'web', certificate: null, hsts: false };
}

export class CertificateKit {
  claims: DomainClaim[] = [];
  clock = new Date();
  readonly store: SqliteStore;
  readonly keyring: Keyring;
  readonly logs: string[] = [];
  private readonly t: TestContext;

  private constructor(t: TestContext, store: SqliteStore, keyring: Keyring) {
    this.t = t;
    this.store = store;
    this.keyring = keyring;
  }

  static async open(t: TestContext): Promise<CertificateKit> {
    const dir = tempDir('certs');
    const store = openSqliteStore(path.join(dir, 'sluice.db'));
    t.after(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    await store.migrate();
    const keyring = new Keyring(newKey(), store);
    await keyring.init();
    return new CertificateKit(t, store, keyring);
  }

  /** A manager over this kit's store, keyring, claims and clock (a second one stands for a restarted server). */
  manager(dataPlane: CertificateDataPlane, acme: CertificateManagerOptions['acme'], extra: Partial<CertificateManagerOptions> = {}): CertificateManager {
    const m = new CertificateManager({
      claims: { listDomainClaims: async () => this.claims },
      store: this.store,
      dataPlane,
      sealer: this.keyring,
      acme,
      publicUrl: null,
      logger: { info: (l) => this.logs.push(l), warn: (l) => this.logs.push(l), error: (l) => this.logs.push(l) },
      now: () => this.clock,
      backoff: { initialMs: 60_000, maxMs: 600_000 },
      ...extra,
    });
    this.t.after(() => m.stop());
    return m;
  }

  advance(ms: number): void {
    this.clock = new Date(this.clock.getTime() + ms);
  }
}
