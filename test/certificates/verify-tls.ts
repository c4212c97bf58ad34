// A real TLS handshake against a certificate: served by a loopback TLS server, checked by Node's
// tls client with only Pebble's root trusted and the host name verified (checkServerIdentity).
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

export async function verifyWithTlsClient(cert: { certificatePem: string; keyPem: string }, host: string, rootPem: string): Promise<tls.PeerCertificate> {
  const server = tls.createServer({ cert: cert.certificatePem, key: cert.keyPem }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: host, ca: rootPem, checkServerIdentity: (name, c) => tls.checkServerIdentity(name, c) }, () => {
        const peer = socket.getPeerCertificate();
        socket.end();
        resolve(peer);
      });
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}
