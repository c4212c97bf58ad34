// The control plane's side of the data-plane socket.
import http from 'node:http';
import { ErrorCode, RuntimeError, SluiceError, type ErrorCode as Code } from '../errors.ts';
import type { CertificateInput } from '../router/edge/parse-certificate.ts';
import type { CertificateSummary } from '../router/edge/sni-certificates.ts';

export type { CertificateInput, CertificateSummary };

export class DataPlaneClient {
  readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  request<T>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          // A connection per request: Node's global agent keeps sockets alive, and reusing one the
          // data plane is closing at that moment (its keep-alive timeout) fails with EPIPE or
          // ECONNRESET. A Unix socket costs microseconds to open.
          agent: false,
          method,
          path,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = null;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              parsed = { message: text };
            }
            if ((res.statusCode ?? 500) >= 400) {
              const e = parsed as { code?: string; message?: string };
              const code = (Object.values(ErrorCode) as string[]).includes(e.code ?? '') ? (e.code as Code) : ErrorCode.runtime;
              reject(new SluiceError(code, e.message ?? `data plane answered ${res.statusCode}`));
            } else resolve(parsed as T);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new RuntimeError(`data plane did not answer ${method} ${path} within ${timeoutMs} ms`, { retryable: true })));
      req.on('error', (error) => reject(error instanceof SluiceError ? error : new RuntimeError(`data plane unreachable at ${this.socketPath}: ${error.message}`, { cause: error, retryable: true })));
      req.end(payload);
    });
  }

  /** Installs (or swaps) a certificate in the router; refused with invalid_input when the PEM, key or hosts are bad. */
  putCertificate(id: string, cert: CertificateInput): Promise<CertificateSummary> {
    return this.request('PUT', `/certificates/${encodeURIComponent(id)}`, cert);
  }

  async deleteCertificate(id: string): Promise<void> {
    await this.request('DELETE', `/certificates/${encodeURIComponent(id)}`);
  }

  listCertificates(): Promise<CertificateSummary[]> {
    return this.request('GET', '/certificates');
  }

  /** The router answers GET /.well-known/acme-challenge/TOKEN with keyAuthorization, for any host, until deleted. */
  async putAcmeChallenge(token: string, keyAuthorization: string): Promise<void> {
    await this.request('PUT', `/acme-challenges/${encodeURIComponent(token)}`, { keyAuthorization });
  }

  async deleteAcmeChallenge(token: string): Promise<void> {
    await this.request('DELETE', `/acme-challenges/${encodeURIComponent(token)}`);
  }

  async health(): Promise<{ pid: number; routerPort: number; httpsPort?: number | null; flagsPort?: number; startedAt: string } | null> {
    try {
      return await this.request('GET', '/health', undefined, 2000);
    } catch {
      return null;
    }
  }
}
