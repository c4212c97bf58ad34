import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago. Another process may take it before the instance
 * binds it; the instance then exits early and its restart picks a new port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the port of a loopback listener'))));
    });
  });
}
