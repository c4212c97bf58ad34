// An in-process data plane with an HTTPS listener and its control socket, a loopback backend
// reached through `forward` routes, and TLS clients (node:tls, curl) for the TLS tests.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { TestContext } from 'node:test';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import type { DataPlane, DataPlaneOptions } from '../../src/dataplane/data-plane.ts';
import { socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { dataPlaneKit, type Kit } from '../dataplane/dp-kit.ts';
import { certKit, type CertKit } from './tls-cert-kit.ts';

export interface TlsKit {
  kit: Kit;
  certs: CertKit;
  masterKey: Buffer;
  /** Starts a data plane (HTTPS on a free port) with its control socket. */
  start(opts?: Partial<DataPlaneOptions>): Promise<{ dp: DataPlane; client: DataPlaneClient; stop: () => Promise<void> }>;
  /** Answers JSON {proto, host, method, url, bodyBytes, hsts}; echoes after a 101 on upgrades. */
  backend(): Promise<number>;
}

export async function tlsKit(t: TestContext): Promise<TlsKit> {
  const kit = dataPlaneKit(t);
  const certs = certKit();
  const masterKey = randomBytes(32);
  const servers: Server[] = [];
  t.after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    certs.cleanup();
  });
  return {
    kit,
    certs,
    masterKey,
    async start(opts = {}) {
      const dp = await kit.start({ httpsPort: 0, masterKey, ...opts });
      const control = createControlServer(dp, kit.dataDir, () => {});
      const socket = socketPathOf(kit.dataDir);
      await listenOnSocket(control, socket);
      servers.push(control);
      const stop = async (): Promise<void> => {
        control.closeAllConnections();
        await new Promise((r) => control.close(r));
        await dp.stop();
      };
      return { dp, client: new DataPlaneClient(socket), stop };
    },
    async backend() {
      const server = createServer((req, res) => {
        let bodyBytes = 0;
        req.on('data', (c: Buffer) => (bodyBytes += c.length));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'], host: req.headers.host, method: req.method, url: req.url, bodyBytes, pseudo: Object.keys(req.headers).filter((h) => h.startsWith(':')) }));
        });
      });
      server.on('upgrade', (req, socket) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\nproto ${String(req.headers['x-forwarded-proto'])}\n`);
        socket.pipe(socket);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      return (server.address() as AddressInfo).port;
    },
  };
}

/** A TLS handshake with SNI `servername`, trusting only `ca`, with Node's host name check; resolves with the peer's certificate. */
export function handshake(port: number, servername: string, ca: string): Promise<PeerCertificate & { alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2', 'http/1.1'], checkServerIdentity: (host, cert) => checkServerIdentity(host, cert) }, () => {
      const cert = socket.getPeerCertificate();
      const alpn = socket.alpnProtocol ?? false;
      socket.end();
      resolve({ ...cert, alpn });
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('handshake timeout')));
  });
}

export interface CurlResult {
  status: number;
  httpVersion: string;
  headers: string;
  body: string;
}

/** curl to https://host:port/path resolved to 127.0.0.1, trusting `caFile`; extra args as given. */
export function curl(url: string, resolve: string, extra: string[] = []): Promise<CurlResult> {
  return new Promise((ok, fail) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '10', '--resolve', resolve, '-D', '-', '-o', '-', '-w', '\n%{http_code} %{http_version}', ...extra, url],
      { maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return fail(new Error(`curl ${url}: ${stderr || error.message}`));
        const tail = stdout.lastIndexOf('\n');
        const [status, httpVersion] = stdout.slice(tail + 1).split(' ');
        const text = stdout.slice(0, tail);
        const split = text.indexOf('\r\n\r\n');
        ok({ status: Number(status), httpVersion: httpVersion ?? '', headers: text.slice(0, split), body: text.slice(split + 4) });
      },
    );
  });
}
