// A stand-in for the data plane's TLS side (the CertificateDataPlane port): answers HTTP-01 on a
// loopback port from its challenge table and keeps the certificates it is given, so the manager
// runs against real Pebble without a router. `beforeChallenge` lets a test stop an order midway.
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { CertificateDataPlane, DataPlaneCertificate } from '../../src/certificates/certificate-ports.ts';

export interface HeldCertificate {
  hosts: string[];
  certificatePem: string;
  keyPem: string;
}

export class LoopbackDataPlane implements CertificateDataPlane {
  readonly challenges = new Map<string, string>();
  readonly certificates = new Map<string, HeldCertificate>();
  readonly challengeRequests: string[] = [];
  puts = 0;
  beforeChallenge: ((token: string) => Promise<void>) | null = null;
  readonly port: number;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(t: TestContext): Promise<LoopbackDataPlane> {
    let dp: LoopbackDataPlane | null = null;
    const server = http.createServer((req, res) => {
      const m = /^\/\.well-known\/acme-challenge\/([^/?]+)$/.exec(req.url ?? '');
      const answer = m?.[1] === undefined ? undefined : dp?.challenges.get(m[1]);
      if (m?.[1] !== undefined) dp?.challengeRequests.push(m[1]);
      res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(answer ?? 'unknown challenge');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    dp = new LoopbackDataPlane((server.address() as AddressInfo).port);
    return dp;
  }

  async putCertificate(id: string, body: HeldCertificate): Promise<void> {
    new X509Certificate(body.certificatePem); // the real data plane refuses what does not parse
    this.puts++;
    this.certificates.set(id, body);
  }

  async deleteCertificate(id: string): Promise<void> {
    this.certificates.delete(id);
  }

  async listCertificates(): Promise<DataPlaneCertificate[]> {
    return [...this.certificates].map(([id, c]) => {
      const x = new X509Certificate(c.certificatePem);
      return { id, hosts: c.hosts, notAfter: new Date(x.validTo).toISOString(), issuer: x.issuer, fingerprint: x.fingerprint256 };
    });
  }

  async putAcmeChallenge(token: string, keyAuthorization: string): Promise<void> {
    if (this.beforeChallenge) await this.beforeChallenge(token);
    this.challenges.set(token, keyAuthorization);
  }

  async deleteAcmeChallenge(token: string): Promise<void> {
    this.challenges.delete(token);
  }
}
