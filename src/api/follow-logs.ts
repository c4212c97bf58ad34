// `?follow=1`: streams the entries after a cursor as SSE, each with `id:` = the entry id, so a
// client that reconnects with Last-Event-ID gets every later line once. The store is read by
// cursor in small batches and only when the socket drained: a slow client costs one batch of
// memory, never a growing buffer. Idle streams get a heartbeat comment.
import type { LogFilter, LogStore, LogText } from '../logs/log-store.ts';
import type { SseStream } from './sse.ts';
import { logEntryView } from './log-view.ts';

/** What following waits on: the ingest, which wakes followers after each append. */
export interface AppendSignal {
  readonly lastId: number;
  waitForAppend(afterId: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

export interface FollowOptions {
  /** A heartbeat comment after this long without an event. */
  heartbeatMs: number;
  /** Re-read at least this often even without a wake-up (entries written by another server). */
  pollMs: number;
  /** Entries read per batch. */
  batch?: number;
}

export interface FollowRequest {
  store: LogStore;
  appends: AppendSignal;
  filter: LogFilter & { text?: LogText };
  /** The id of the last entry the client has (0: from the start). */
  after: number;
  /** Asked whenever the stream is caught up: an `end` event's data to finish with, or null to go on. */
  finished?: () => Promise<unknown>;
  /** Resolves when what `finished` looks at may have changed (the run ended), so the end comes at once rather than at the next poll. */
  changed?: (timeoutMs: number, signal: AbortSignal) => Promise<void>;
}

export async function followLogs(sse: SseStream, req: FollowRequest, opts: FollowOptions): Promise<void> {
  const batch = opts.batch ?? 200;
  let after = req.after;
  let lastEvent = Date.now();
  try {
    while (!sse.closed()) {
      // Taken before the read: an append after it wakes the wait below even if the read saw it.
      const seen = req.appends.lastId;
      const entries = await req.store.readAfter(req.filter, after, batch);
      for (const e of entries) {
        sse.send('line', logEntryView(e), e.id);
        after = e.id;
      }
      if (entries.length) {
        lastEvent = Date.now();
        if (!(await sse.drained())) break;
        if (entries.length === batch) continue;
      }
      if (req.finished) {
        const end = await req.finished();
        // The last lines may have landed between the read and the check: read once more.
        if (end !== null && (await req.store.readAfter(req.filter, after, 1)).length === 0) {
          sse.send('end', end);
          break;
        }
        if (end !== null) continue;
      }
      const idle = Date.now() - lastEvent;
      if (idle >= opts.heartbeatMs) {
        sse.comment('heartbeat');
        lastEvent = Date.now();
        if (!(await sse.drained())) break;
        continue;
      }
      await waitForChange(req, seen, Math.min(opts.pollMs, opts.heartbeatMs - idle), sse.signal);
    }
  } finally {
    sse.end();
  }
}

/** Until an append after `seen`, the run's end, the timeout or the client leaving; the losing wait is cancelled. */
async function waitForChange(req: FollowRequest, seen: number, timeoutMs: number, closed: AbortSignal): Promise<void> {
  if (!req.changed) return req.appends.waitForAppend(seen, timeoutMs, closed);
  const done = new AbortController();
  const signal = AbortSignal.any([closed, done.signal]);
  try {
    await Promise.race([req.appends.waitForAppend(seen, timeoutMs, signal), req.changed(timeoutMs, signal)]);
  } finally {
    done.abort();
  }
}
