// A test SSE client over node:http: events as they arrive, the raw request to cut or pause.
import http from 'node:http';
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

export interface SseClient {
  events: SseEvent[];
  comments: string[];
  status: Promise<number>;
  /** Resolves once `predicate` holds for the events so far, or rejects after timeoutMs. */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops reading from the socket (the server's writes then back up). */
  pause(): void;
  resume(): void;
  /** Cuts the connection. */
  cut(): void;
  ended: Promise<void>;
}

export function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const parser = createParser({
    onEvent: (e) => {
      events.push({ event: e.event ?? 'message', id: e.id, data: e.data ? JSON.parse(e.data) : null });
      wake();
    },
    onComment: (c) => {
      comments.push(c.trim());
      wake();
    },
  });
  let res: http.IncomingMessage | null = null;
  let endResolve: () => void = () => {};
  const ended = new Promise<void>((r) => (endResolve = r));
  let statusResolve: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (statusResolve = r));
  const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (r) => {
    res = r;
    statusResolve(r.statusCode ?? 0);
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => parser.feed(chunk));
    r.on('close', () => {
      endResolve();
      wake();
    });
  });
  req.on('error', () => {
    endResolve();
    wake();
  });
  return {
    events,
    comments,
    status,
    ended,
    until(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(events)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE: condition not met within ${timeoutMs} ms (${events.length} events, ${comments.length} comments)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    pause: () => res?.pause(),
    resume: () => res?.resume(),
    cut: () => req.destroy(),
  };
}
