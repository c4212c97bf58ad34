// Server-Sent Events for following logs: each line is one `data:` event with JSON.
import type { FastifyReply } from 'fastify';

export function startSse(reply: FastifyReply): { send(event: string, data: unknown): void; closed(): boolean; end(): void } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  res.on('close', () => (closed = true));
  return {
    send(event, data) {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    closed: () => closed,
    end() {
      if (!closed) res.end();
      closed = true;
    },
  };
}
