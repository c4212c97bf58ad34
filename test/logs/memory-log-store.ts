// A LogStore in memory for tests of the code around the store (ingest, routes): plain scans,
// and a switch that makes appends fail as a full disk would. The real stores pass
// test/logs/log-store-contract.test.ts.
import { logLevels, type LogEntry, type LogFilter, type LogPage, type LogRetention, type LogSearch, type LogStore, type LogStoreStats, type LogText, type NewLogEntry } from '../../src/logs/log-store.ts';

function matches(e: LogEntry, f: LogFilter & { text?: LogText }): boolean {
  if (f.project !== undefined && e.project !== f.project) return false;
  if (f.environment !== undefined && e.environment !== f.environment) return false;
  if (f.release !== undefined && e.release !== f.release) return false;
  if (f.runId !== undefined && e.runId !== f.runId) return false;
  if (f.stepId !== undefined && e.stepId !== f.stepId) return false;
  if (f.service !== undefined && e.service !== f.service) return false;
  if (f.instance !== undefined && e.instance !== f.instance) return false;
  if (f.source !== undefined && e.source !== f.source) return false;
  if (f.stream !== undefined && e.stream !== f.stream) return false;
  if (f.minLevel !== undefined && (e.level === null || logLevels.indexOf(e.level) < logLevels.indexOf(f.minLevel))) return false;
  if (f.since !== undefined && e.at < f.since) return false;
  if (f.until !== undefined && e.at >= f.until) return false;
  if (!f.text) return true;
  const text = e.text.toLowerCase();
  for (const s of f.text?.substrings ?? []) if (!text.includes(s.toLowerCase())) return false;
  for (const t of f.text?.tokens ?? []) if (!text.split(/[^\p{L}\p{N}_]+/u).includes(t.toLowerCase())) return false;
  return true;
}

export class MemoryLogStore implements LogStore {
  entries: LogEntry[] = [];
  /** Set to make appends fail (as SQLITE_FULL would). */
  failWith: Error | null = null;
  appends = 0;

  async migrate(): Promise<void> {}

  async append(entries: readonly NewLogEntry[]): Promise<number> {
    if (this.failWith) throw this.failWith;
    this.appends++;
    let id = this.entries.at(-1)?.id ?? 0;
    for (const e of entries) this.entries.push({ ...e, id: ++id });
    return entries.length ? id : 0;
  }

  async search(q: LogSearch): Promise<LogPage> {
    const found: LogEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && found.length <= q.limit; i--) {
      const e = this.entries[i]!;
      if (q.before !== undefined && e.id >= q.before) continue;
      if (matches(e, q)) found.push(e);
    }
    const more = found.length > q.limit;
    const entries = found.slice(0, q.limit);
    return { entries, next: more ? entries.at(-1)!.id : null };
  }

  async readAfter(filter: LogFilter & { text?: LogText }, afterId: number, limit: number): Promise<LogEntry[]> {
    return this.entries.filter((e) => e.id > afterId && matches(e, filter)).slice(0, limit);
  }

  async retain(policy: LogRetention): Promise<number> {
    const before = this.entries.length;
    if (policy.olderThan !== null) this.entries = this.entries.filter((e) => e.at >= policy.olderThan!);
    return before - this.entries.length;
  }

  async remove(scope: { runId: string } | { project: string }): Promise<number> {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => ('runId' in scope ? e.runId !== scope.runId : e.project !== scope.project));
    return before - this.entries.length;
  }

  async stats(): Promise<LogStoreStats> {
    return { lines: this.entries.length, bytesOnDisk: this.entries.reduce((n, e) => n + e.text.length, 0), oldestAt: this.entries[0]?.at ?? null, lastId: this.entries.at(-1)?.id ?? 0 };
  }

  async close(): Promise<void> {}
}
