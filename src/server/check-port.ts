// Fails fast, before anything starts, when the API port is taken.
import net from 'node:net';
import { InvalidInputError } from '../errors.ts';

export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new InvalidInputError(`port ${port} on ${host} is already in use: stop what listens there or choose another with --port`) : error),
    );
    s.listen(port, host, () => s.close(() => resolve()));
  });
}
