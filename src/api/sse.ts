// Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html) for
// following logs: each line is one event with JSON data and, when it has one, an `id:` a client
// sends back as Last-Event-ID to resume. `send` says whether the socket took the bytes; a writer
// that gets false waits for `drained()` before reading more, so a slow client holds at most one
// batch in the server's memory.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';

export interface SseStream {
  /** False when the socket's buffer is full (or closed): wait for drained() before sending more. */
  send(event: string, data: unknown, id?: number | string): boolean;
  /** A comment line (`: …`), which clients ignore: a heartbeat that keeps proxies from closing an idle stream. */
  comment(text: string): boolean;
  /** Resolves true once the socket can take more, false when it closed. */
  drained(): Promise<boolean>;
  closed(): boolean;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  end(): void;
}

export function startSse(reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  // X-Accel-Buffering: a buffering reverse proxy (nginx) would hold lines back from a follower.
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const abort = new AbortController();
  let closed = false;
  res.on('close', () => {
    closed = true;
    abort.abort();
  });
  const write = (text: string): boolean => !closed && res.write(text);
  return {
    send: (event, data, id) => write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    comment: (text) => write(`: ${text}\n\n`),
    async drained() {
      if (closed) return false;
      if (!res.writableNeedDrain) return true;
      await once(res, 'drain', { signal: abort.signal }).catch(() => undefined);
      return !closed;
    },
    closed: () => closed,
    signal: abort.signal,
    end() {
      if (!closed) res.end();
      closed = true;
    },
  };
}
