// Live updates for every page (docs/decisions/0045-live-updates.md). Stable API — other pages use it:
//
//   <LiveProvider onSignedOut> (app.tsx, while signed in) opens ONE EventSource per tab to
//   GET /api/stream, shared by every hook (browsers allow few connections per host; log tails
//   need theirs). When the stream is refused because the session ended, onSignedOut is called.
//
//   const state = useLive(topic, onChange)
//     topic     '*'                      every change the session may see
//               'project:NAME'           anything of that project
//               'run:ID'                 a run, its stages and steps
//               'environment:P/ENV'      an environment: releases, rollouts, state, preview, its events
//               'flag:P/ENV'             an environment's flags and flag rollouts
//               'event:P'                platform events of a project (change.event.kind, .summary)
//               'traffic:P'              new requests/s and error-rate samples (change.samples)
//               or a predicate (change) => boolean
//     onChange  (change) for each matching LiveChange, or (null) after a reset: changes were
//               missed (server restart, too slow, too long away) — re-read everything shown.
//     state     'connecting' | 'open' | 'reconnecting' | 'off' (no provider)
//
//   useLiveReload(topic, reload, gapMs = 250)  calls reload() after matching changes and resets,
//               coalesced to one call per gapMs: the usual way for a page to stay current.
//   <LiveBanner/> (shell.tsx) shows "Reconnecting…" while the stream is down.
//
// A lost connection resumes where it stopped: the browser sends Last-Event-ID (or, when it gave
// up, a new EventSource passes ?after=), and the server replays what was missed or says reset.
import { createContext, h, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { matches, type LiveChange, type LiveTopic } from './live-topic.ts';

export { matches, type LiveChange, type LiveTopic };
export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'off';
export type LiveListener = (change: LiveChange | null) => void;

/** One shared EventSource, reopened with backoff when the browser gives up on it. */
export class LiveConnection {
  state: LiveState = 'connecting';
  readonly #url: string;
  readonly #listeners = new Set<{ topic: LiveTopic; fn: LiveListener }>();
  readonly #stateListeners = new Set<(s: LiveState) => void>();
  #source: EventSource | null = null;
  #lastId = '';
  #retryMs = 1000;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  readonly #onSignedOut: () => void;

  /** `onSignedOut`: the stream was refused and the session is gone (the app goes to sign-in). */
  constructor(url = '/api/stream', onSignedOut: () => void = () => {}) {
    this.#url = url;
    this.#onSignedOut = onSignedOut;
  }

  open(): void {
    this.#closed = false;
    this.#connect();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#source?.close();
    this.#source = null;
  }

  subscribe(topic: LiveTopic, fn: LiveListener): () => void {
    const entry = { topic, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  #setState(s: LiveState): void {
    if (this.state === s) return;
    this.state = s;
    for (const fn of this.#stateListeners) fn(s);
  }

  #connect(): void {
    const url = this.#lastId ? `${this.#url}?after=${encodeURIComponent(this.#lastId)}` : this.#url;
    const source = new EventSource(url, { withCredentials: true });
    this.#source = source;
    const remember = (e: Event): void => {
      if (e instanceof MessageEvent && e.lastEventId) this.#lastId = e.lastEventId;
    };
    source.addEventListener('open', () => {
      this.#retryMs = 1000;
      this.#setState('open');
    });
    source.addEventListener('change', (e) => {
      remember(e);
      const change = JSON.parse(String(e.data)) as LiveChange;
      for (const l of [...this.#listeners]) if (matches(l.topic, change)) l.fn(change);
    });
    source.addEventListener('reset', (e) => {
      remember(e);
      for (const l of [...this.#listeners]) l.fn(null);
    });
    source.addEventListener('ready', remember);
    source.addEventListener('error', () => {
      if (this.#closed) return;
      this.#setState('reconnecting');
      // CONNECTING: the browser retries by itself (with Last-Event-ID). CLOSED: it gave up (an
      // answer other than a stream, e.g. 401 or 502): try again ourselves, backing off.
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#retry(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 15_000);
    });
  }

  /** Refused (the session may have ended: then stop and say so) or unreachable: try again. */
  async #retry(): Promise<void> {
    if (this.#closed) return;
    const session = await fetch('/api/session', { credentials: 'same-origin' }).then(
      async (r) => (r.ok ? ((await r.json()) as { signedIn?: boolean }) : null),
      () => null,
    );
    if (this.#closed) return;
    if (session?.signedIn === false) {
      this.close();
      this.#onSignedOut();
      return;
    }
    this.#connect();
  }
}

const LiveContext = createContext<LiveConnection | null>(null);

export function LiveProvider({ children, url, onSignedOut }: { children: ComponentChildren; url?: string; onSignedOut?: () => void }) {
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;
  const [connection] = useState(() => new LiveConnection(url, () => signedOut.current?.()));
  useEffect(() => {
    connection.open();
    return () => connection.close();
  }, [connection]);
  return h(LiveContext.Provider, { value: connection }, children);
}

/** The connection's state, re-rendering when it changes. */
export function useLiveState(): LiveState {
  const connection = useContext(LiveContext);
  const [state, setState] = useState<LiveState>(connection?.state ?? 'off');
  useEffect(() => {
    if (!connection) return;
    setState(connection.state);
    return connection.onState(setState);
  }, [connection]);
  return state;
}

export function useLive(topic: LiveTopic, onChange: LiveListener): LiveState {
  const connection = useContext(LiveContext);
  const latest = useRef(onChange);
  latest.current = onChange;
  // A predicate topic is taken as given at first render (pass a string topic to re-subscribe).
  const key = typeof topic === 'string' ? topic : 'fn';
  const topicRef = useRef(topic);
  topicRef.current = topic;
  useEffect(() => {
    if (!connection) return;
    const t = topicRef.current;
    return connection.subscribe(t, (c) => latest.current(c));
  }, [connection, key]);
  return useLiveState();
}

export function useLiveReload(topic: LiveTopic, reload: () => void, gapMs = 250): LiveState {
  const latest = useRef(reload);
  latest.current = reload;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useLive(topic, () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, gapMs);
  });
}

export function LiveBanner() {
  const state = useLiveState();
  if (state !== 'reconnecting') return null;
  return h('p', { class: 'live-banner', role: 'status' }, 'Live updates lost: reconnecting…');
}
