// The HTTPS listener: one TLS port whose ALPN offers h2 and http/1.1. HTTP/2 streams and
// HTTP/1.1 requests both arrive as 'request' (the compatibility API), Upgrade requests
// (WebSockets, HTTP/1.1 only) as 'upgrade'; the router proxies all of them the same way.
// docs/decisions/0018-tls-router.md says why one http2 server with allowHTTP1.
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { SniCertificates } from './sni-certificates.ts';

export function createTlsListener(certificates: SniCertificates): Http2SecureServer {
  const server = createSecureServer({
    allowHTTP1: true,
    SNICallback: certificates.sniCallback,
    minVersion: 'TLSv1.2',
    // Resumption (tickets, TLS 1.2 and 1.3) makes a returning client's handshake cheap.
    ticketKeys: certificates.ticketKeys,
    sessionTimeout: 3600,
    settings: { maxConcurrentStreams: 256 },
    // As on the plain port: small responses go out at once (no Nagle wait for the client's ACK).
    noDelay: true,
  });
  // The HTTP/1.1 side reads these like an http.Server: as on the plain port (edge-router.ts).
  const http1 = server as unknown as { keepAliveTimeout: number; requestTimeout: number };
  http1.keepAliveTimeout = 30_000;
  http1.requestTimeout = 0;
  return server;
}
