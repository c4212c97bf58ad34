// Instance output from pods into the instance log spool (<data>/logs/instances/ID.log, JSON
// lines), which the server's ingester already moves into the log store. Each pass reads what a
// pod logged since the last line copied (timestamps=true; lines at or before it are skipped).
import type { KubeApi } from './kube-api.ts';
import type { InstanceView } from './instance-view.ts';

export class PodLogCopier {
  readonly #api: KubeApi;
  readonly #instances: () => InstanceView[];
  readonly #write: (id: string, lines: Array<{ ts: string; line: string }>) => Promise<void>;
  readonly #everyMs: number;
  /** pod uid → time of the last line copied. */
  readonly #copied = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(api: KubeApi, instances: () => InstanceView[], write: (id: string, lines: Array<{ ts: string; line: string }>) => Promise<void>, everyMs: number) {
    this.#api = api;
    this.#instances = instances;
    this.#write = write;
    this.#everyMs = everyMs;
  }

  start(): void {
    this.#schedule();
  }

  /** Resolves once a pass under way has written what it read. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass now (tests; the timer's passes otherwise). */
  copyOnce(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.copyOnce().finally(() => this.#schedule()), this.#everyMs);
  }

  async #pass(): Promise<void> {
    const live = new Set<string>();
    for (const { info, pod } of this.#instances()) {
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const uid = pod.metadata.uid ?? pod.metadata.name;
      live.add(uid);
      const after = this.#copied.get(uid);
      const sinceSeconds = after ? Math.max(1, Math.ceil((Date.now() - Date.parse(after)) / 1000) + 1) : undefined;
      let text: string;
      try {
        text = await this.#api.podLog(pod.metadata.namespace ?? '', pod.metadata.name, sinceSeconds);
      } catch {
        continue; // not started yet, or gone meanwhile: the next pass tries again
      }
      const lines = parseTimestamped(text).filter((l) => after === undefined || l.ts > after);
      if (lines.length === 0) continue;
      await this.#write(info.id, lines);
      this.#copied.set(uid, lines.at(-1)!.ts);
    }
    for (const uid of this.#copied.keys()) if (!live.has(uid)) this.#copied.delete(uid);
  }
}

/** `2026-01-02T03:04:05.123456789Z text` lines (RFC 3339 with nanoseconds, as the kubelet writes them). */
export function parseTimestamped(text: string): Array<{ ts: string; line: string }> {
  const out: Array<{ ts: string; line: string }> = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const space = raw.indexOf(' ');
    const ts = space > 0 ? raw.slice(0, space) : '';
    if (Number.isNaN(Date.parse(ts))) out.push({ ts: new Date().toISOString(), line: raw });
    else out.push({ ts: nanoTime(ts), line: raw.slice(space + 1) });
  }
  return out;
}

/** RFC 3339 times with the fraction padded to nanoseconds, so that they compare as strings. */
function nanoTime(ts: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z` : ts;
}
