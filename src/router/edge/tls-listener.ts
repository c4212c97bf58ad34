// The HTTPS listener: one TLS port whose ALPN offers h2 and http/1.1. HTTP/2 streams and
// HTTP/1.1 requests both arrive as 'request' (the compatibility API), Upgrade requests
// (WebSockets, HTTP/1.1 only) as 'upgrade'; the router proxies all of them the same way.
// docs/decisions/0018-tls-router.md says why one http2 server with allowHTTP1.
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
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
  server.on('session', watchSession);
  // The HTTP/1.1 side reads these like an http.Server: as on the plain port (edge-router.ts).
  const http1 = server as unknown as { keepAliveTimeout: number; requestTimeout: number };
  http1.keepAliveTimeout = 30_000;
  http1.requestTimeout = 0;
  return server;
}

/** An HTTP/2 connection with no open stream for this long is closed (like keepAliveTimeout on HTTP/1.1). */
const sessionIdleMs = 120_000;
/** After the client's GOAWAY, how long its unfinished streams may hold the connection. */
const goawayGraceMs = 5_000;

/**
 * Node's session timeout fires on socket inactivity even while a stream waits quietly (an event
 * stream), so it only closes sessions without open streams. A client that sends GOAWAY and
 * stops reading would otherwise keep its session (and its streams' buffers) forever.
 */
function watchSession(session: ServerHttp2Session): void {
  let open = 0;
  session.on('stream', (stream) => {
    open++;
    stream.once('close', () => open--);
  });
  session.setTimeout(sessionIdleMs, () => {
    if (open === 0) session.close();
  });
  session.once('goaway', () => {
    setTimeout(() => {
      if (!session.destroyed) session.destroy();
    }, goawayGraceMs).unref();
  });
}
