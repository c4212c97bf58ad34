import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CompiledBackend, CompiledRoute, CompiledTarget } from './compiled-route.ts';
import { pickRetry } from './compiled-route.ts';
import { sendPlainRaw } from './plain-response.ts';
import { upstreamHeaders } from './proxy-headers.ts';

const maxTries = 3;
const connectTimeoutMs = 5_000;

export interface UpgradeJob {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  route: CompiledRoute;
  backend: CompiledBackend;
  target: CompiledTarget;
  pinned: boolean;
  started: number;
  /** Open client sockets of upgraded connections, so the router can end them on close(). */
  live: Set<Duplex>;
}

/**
 * WebSocket and other Upgrade requests: the request is re-sent to the target over a fresh
 * TCP connection, and from then on bytes are piped both ways, the target's 101 included.
 * Connection failures are retried on other targets like ordinary requests.
 */
export function proxyUpgrade(job: UpgradeJob): void {
  const { req, socket } = job;
  let requestHead = `${req.method} ${req.url} HTTP/1.1\r\n`;
  const headers = upstreamHeaders(req, true);
  for (let i = 0; i < headers.length; i += 2) requestHead += `${headers[i]}: ${headers[i + 1]}\r\n`;
  requestHead += '\r\n';

  job.live.add(socket);
  // An open WebSocket keeps its host awake for as long as it lasts.
  job.route.activity.open++;
  socket.once('close', () => {
    job.live.delete(socket);
    job.route.activity.open--;
  });
  let tries = 0;
  const tried: CompiledTarget[] = [];
  let backend = job.backend;
  let target: CompiledTarget | undefined = job.target;

  const attempt = (): void => {
    tries++;
    tried.push(target!);
    const upstream: Socket = connect({ host: target!.host, port: target!.port });
    let connected = false;
    upstream.setTimeout(connectTimeoutMs, () => {
      if (!connected) upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    });
    upstream.once('error', () => {
      if (connected) {
        socket.destroy();
        return;
      }
      backend.stats.connectFailed();
      const next = tries < maxTries && !socket.destroyed ? pickRetry(job.route, backend, tried, job.pinned) : undefined;
      if (next) {
        backend = next.backend;
        target = next.target;
        attempt();
        return;
      }
      backend.stats.record(502, performance.now() - job.started);
      sendPlainRaw(socket, 502, `bad gateway: no instance of release ${backend.release} could be reached\n`);
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      upstream.on('error', () => socket.destroy());
      upstream.write(requestHead);
      if (job.head.length > 0) upstream.write(job.head);
      let answered = false;
      upstream.once('data', (chunk: Buffer) => {
        answered = true;
        const status = Number.parseInt(chunk.toString('latin1', 9, 12), 10);
        backend.stats.record(Number.isNaN(status) ? 502 : status, performance.now() - job.started);
      });
      upstream.once('close', () => {
        if (!answered) backend.stats.record(502, performance.now() - job.started);
        socket.destroy();
      });
      socket.once('close', () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
  };
  attempt();
}
