// The router's certificates by id, and the host index the TLS handshake reads (SNI). A swap
// replaces the SecureContext in the index: handshakes from then on get the new certificate,
// connections already open keep theirs, and the listener never restarts.
import { randomBytes } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type { ParsedCertificate } from './parse-certificate.ts';

export interface CertificateSummary {
  id: string;
  hosts: string[];
  notAfter: string;
  issuer: string;
  fingerprint: string;
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

export class SniCertificates {
  /** One set of session ticket keys per router process, shared by every context (see ContextSettings). */
  readonly ticketKeys = randomBytes(48);
  private readonly byId = new Map<string, ParsedCertificate>();
  /** Host (exact, or `*.rest` for wildcards) → the certificate serving it. */
  private index = new Map<string, ParsedCertificate>();

  get size(): number {
    return this.byId.size;
  }

  set(id: string, cert: ParsedCertificate): void {
    this.byId.set(id, cert);
    this.reindex();
  }

  delete(id: string): boolean {
    const had = this.byId.delete(id);
    if (had) this.reindex();
    return had;
  }

  list(): CertificateSummary[] {
    return [...this.byId].map(([id, c]) => ({ id, hosts: [...c.hosts], notAfter: c.notAfter, issuer: c.issuer, fingerprint: c.fingerprint })).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The certificate for a host name: an exact name first, then a wildcard one level up. */
  lookup(host: string): ParsedCertificate | undefined {
    const exact = this.index.get(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return dot > 0 ? this.index.get(`*${host.slice(dot)}`) : undefined;
  }

  /** Whether a (lower-case, port-less) host is served over HTTPS: its plain HTTP requests are redirected. */
  covers(host: string): boolean {
    return this.byId.size > 0 && this.lookup(host) !== undefined;
  }

  readonly sniCallback: SniCallback = (servername, cb) => {
    const cert = this.lookup(servername.toLowerCase());
    // No certificate: the handshake fails for this client only (tlsClientError), nothing else.
    if (cert) cb(null, cert.context);
    else cb(new Error(`no certificate for ${JSON.stringify(servername.slice(0, 200))}`));
  };

  /** When two certificates name a host, the one valid longest serves it (a renewal wins over the old one). */
  private reindex(): void {
    const index = new Map<string, ParsedCertificate>();
    const ordered = [...this.byId.values()].sort((a, b) => a.notAfter.localeCompare(b.notAfter));
    for (const cert of ordered) for (const host of cert.hosts) index.set(host, cert);
    this.index = index;
  }
}
