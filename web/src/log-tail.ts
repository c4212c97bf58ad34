// A live tail over the API's SSE stream (`follow=1`, src/api/follow-logs.ts). Each `line` event
// carries the entry id as its event id, so when the connection drops the browser reconnects with
// Last-Event-ID and the server sends every later line once. When the browser gives up (an HTTP
// error answer, e.g. while the server restarts), a new EventSource resumes from the last id
// (`after=`). Lines already shown are never added twice (ids only grow). While the connection is
// lost the page shows a banner.
import { useEffect, useState } from 'preact/hooks';
import type { LogEntryJson } from '../../src/api/schemas/observe-schemas.ts';

export type TailState = 'connecting' | 'live' | 'lost' | 'ended';

/** The most lines kept on the page: older ones are dropped from the top. */
export const maxTailLines = 5000;
const flushMs = 16;
const retryMs = [500, 1000, 2000, 5000] as const;

export interface Tail {
  lines: LogEntryJson[];
  state: TailState;
}

/**
 * Follows `url` (an API path with `follow=1` among its parameters) from after the entry `after`
 * (0: the server starts with its newest lines), showing `initial` first. `url: null` follows nothing.
 */
export function useLogTail(url: string | null, after: number, initial: readonly LogEntryJson[]): Tail {
  const [tail, setTail] = useState<Tail>({ lines: [...initial], state: 'connecting' });

  useEffect(() => {
    setTail({ lines: [...initial], state: 'connecting' });
    if (url === null) return;
    let lastId = after;
    let source: EventSource | null = null;
    let failures = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let flush: ReturnType<typeof setTimeout> | undefined;
    let pending: LogEntryJson[] = [];
    let stopped = false;

    const setState = (state: TailState): void => setTail((t) => (t.state === state ? t : { ...t, state }));
    const flushLines = (): void => {
      flush = undefined;
      const add = pending;
      pending = [];
      setTail((t) => {
        const lines = t.lines.concat(add);
        return { lines: lines.length > maxTailLines ? lines.slice(lines.length - maxTailLines) : lines, state: t.state };
      });
    };
    const open = (): void => {
      const es = new EventSource(lastId > 0 ? `${url}&after=${lastId}` : url);
      source = es;
      es.addEventListener('open', () => {
        failures = 0;
        setState('live');
      });
      es.addEventListener('line', (event: MessageEvent<string>) => {
        const entry = JSON.parse(event.data) as LogEntryJson;
        if (entry.id <= lastId) return;
        lastId = entry.id;
        pending.push(entry);
        flush ??= setTimeout(flushLines, flushMs);
      });
      es.addEventListener('end', () => {
        es.close();
        setState('ended');
      });
      es.addEventListener('error', () => {
        if (stopped || es !== source) return;
        setState('lost');
        // CONNECTING: the browser reconnects by itself, sending Last-Event-ID. CLOSED: it gave up.
        if (es.readyState !== EventSource.CLOSED) return;
        retry = setTimeout(open, retryMs[Math.min(failures, retryMs.length - 1)]);
        failures++;
      });
    };
    open();
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(retry);
      clearTimeout(flush);
    };
    // `initial` belongs to `after`: both change together with the search.
  }, [url, after]);

  return tail;
}
