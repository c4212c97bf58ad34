// Reading, searching and following logs from the LogStore:
//   GET /api/projects/:name/environments/:env/logs   the environment's lines (instances, deploy events)
//   GET /api/runs/:id/logs                            one run's lines (steps, its deploy events)
// Three ways to read, chosen by the parameters (docs/decisions/0024-one-log-path.md):
//   search parameters (q, since, until, release, service, instance, level, stream, source, before,
//     limit)  → {entries, next}: newest first; pass `next` as `before` for the older page;
//     `warning` while the log store cannot take lines (a full disk)
//   none (environment: `tail`; run: `after`, `limit`)  → an array, oldest first, as before the
//     log store: the environment's newest `tail` lines, or the run's lines after `after`
//   follow=1  → SSE: `line` events with `id:`, resumed from Last-Event-ID (or `after`); search
//     parameters filter the stream; a run's stream ends with an `end` event
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import type { Engine } from '../engine/engine.ts';
import type { RunEndSignal } from '../engine/run-end-signal.ts';
import { terminalRunStates } from '../store/records.ts';
import type { LogEntry, LogFilter, LogSearch, LogStore } from '../logs/log-store.ts';
import { checkParameters, isSearch, maxSearchLimit, parseCursor, parseLogSearch, searchParameters } from '../logs/parse-log-search.ts';
import { followLogs, type AppendSignal } from './follow-logs.ts';
import { logEntryView, type LogEntryView } from './log-view.ts';
import { principalOf } from './request-guard.ts';
import { startSse, type SseStream } from './sse.ts';
import { visibleRun } from './visible-run.ts';
import { environmentParams, errorResponses, runParams } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface LogApiDeps {
  store: LogStore;
  appends: AppendSignal;
  /** A heartbeat comment on an idle stream after this long (default 15 s). */
  heartbeatMs?: number;
  /** Followers re-read at least this often without a wake-up (default 1 s). */
  pollMs?: number;
  now?: () => Date;
  logError(message: string, error: unknown): void;
  /** Announces runs' ends: a followed run's stream ends when the run does, not at the next poll. */
  runEnds?: Pick<RunEndSignal, 'wait'>;
  /** The ingest's state: while appends fail (a full disk), a search answer says so (`warning`). */
  health?: () => { error: string | null; failingSince: string | null };
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

const defaultTail = 1000;
const maxTail = 100_000;

function countOf(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidInputError(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`, { [name]: value });
  return n;
}

function following(q: Query): boolean {
  if (q.follow === undefined || q.follow === '0' || q.follow === 'false') return false;
  if (q.follow === '1' || q.follow === 'true' || q.follow === '') return true;
  throw new InvalidInputError(`follow must be 1 or 0, got ${JSON.stringify(q.follow)}`);
}

/** The newest `count` entries of a search, oldest first (several pages when count is past a page). */
async function newest(store: LogStore, search: LogSearch, count: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let before = search.before;
  while (out.length < count) {
    const page = await store.search({ ...search, ...(before === undefined ? {} : { before }), limit: Math.min(maxSearchLimit, count - out.length) });
    out.push(...page.entries);
    if (page.next === null) break;
    before = page.next;
  }
  return out.reverse();
}

/** The id of the newest entry in the store (0 when empty): where a follow without a cursor starts. */
async function newestId(store: LogStore, appends: AppendSignal): Promise<number> {
  const page = await store.search({ limit: 1 });
  return Math.max(appends.lastId, page.entries[0]?.id ?? 0);
}

function lastEventId(req: FastifyRequest<{ Querystring: Query }>): number | null {
  const header = req.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '') return parseCursor('Last-Event-ID', value);
  if (req.query.after !== undefined) return parseCursor('after', req.query.after);
  return null;
}

function filterOf(search: LogSearch): LogFilter & Pick<LogSearch, 'text'> {
  const { before, limit, ...filter } = search;
  void before;
  void limit;
  return filter;
}

export function registerLogRoutes(app: FastifyInstance, engine: Engine, deps: LogApiDeps): void {
  const observeSchemas = lazySchemas(() => import('./schemas/observe-schemas.ts'));
  const now = deps.now ?? ((): Date => new Date());
  const followOpts = { heartbeatMs: deps.heartbeatMs ?? 15_000, pollMs: deps.pollMs ?? 1000 };

  const page = async (search: LogSearch): Promise<{ entries: LogEntryView[]; next: number | null; warning?: string }> => {
    const result = await deps.store.search(search);
    const health = deps.health?.();
    const warning = health?.error ? { warning: `the log store cannot take lines since ${health.failingSince ?? 'recently'} (${health.error}): the newest lines are missing here; they wait in a bounded queue and the instance spools` } : {};
    return { entries: result.entries.map(logEntryView), next: result.next, ...warning };
  };
  const open = new Set<SseStream>();
  // Before the server stops listening: a follower's open stream would hold app.close() (and a
  // graceful stop of the server) for as long as the client stays.
  app.addHook('preClose', async () => {
    for (const s of open) s.end();
  });
  /** Streams until the client leaves or the server stops; errors after the stream started can only be logged. */
  const stream = (reply: FastifyReply, run: () => Parameters<typeof followLogs>[1], initial: LogEntry[]): Promise<void> => {
    const sse = startSse(reply);
    open.add(sse);
    for (const e of initial) sse.send('line', logEntryView(e), e.id);
    return followLogs(sse, run(), followOpts)
      .catch((error: unknown) => deps.logError('following logs', error))
      .finally(() => open.delete(sse));
  };

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/environments/:env/logs', { schema: { summary: "An environment's log lines: the newest, a search, or followed", params: environmentParams, querystring: observeSchemas.logQuerySchema, response: { 200: { description: 'an array (no search parameters), a page (search), or with follow=1 a text/event-stream', content: { 'application/json': { schema: observeSchemas.logAnswerSchema }, 'text/event-stream': { schema: observeSchemas.sseStreamSchema } } }, ...errorResponses } }, config: { permission: need.viewer } }, async (req, reply) => {
    checkParameters(req.query, [...searchParameters, 'tail', 'follow', 'after']);
    await engine.project(req.params.name!);
    const scope = { project: req.params.name!, environment: req.params.env! };
    const search = parseLogSearch(req.query, scope, now());
    if (!following(req.query)) {
      if (req.query.after !== undefined) throw new InvalidInputError('after applies with follow=1 only; page a search with before');
      if (isSearch(req.query)) return page(search);
      return (await newest(deps.store, search, countOf('tail', req.query.tail, defaultTail, maxTail))).map(logEntryView);
    }
    if (req.query.before !== undefined) throw new InvalidInputError('before does not apply with follow=1 (a stream goes forward); use Last-Event-ID or after');
    const resumeAt = lastEventId(req);
    let after = resumeAt ?? 0;
    let initial: LogEntry[] = [];
    if (resumeAt === null) {
      after = await newestId(deps.store, deps.appends);
      const count = req.query.limit === undefined ? countOf('tail', req.query.tail, defaultTail, maxTail) : search.limit;
      initial = await newest(deps.store, { ...search, before: after + 1 }, count);
    }
    await stream(reply, () => ({ store: deps.store, appends: deps.appends, filter: filterOf(search), after }), initial);
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/runs/:id/logs', { schema: { summary: "A run's log lines: all, after an id, a search, or followed", params: runParams, querystring: observeSchemas.logQuerySchema, response: { 200: { description: 'an array (no search parameters), a page (search), or with follow=1 a text/event-stream', content: { 'application/json': { schema: observeSchemas.logAnswerSchema }, 'text/event-stream': { schema: observeSchemas.sseStreamSchema } } }, ...errorResponses } }, config: { permission: need.viewer } }, async (req, reply) => {
    checkParameters(req.query, [...searchParameters, 'follow', 'after']);
    const { run } = visibleRun(principalOf(req), await engine.run(req.params.id!), req.params.id!);
    const follow = following(req.query);
    // `after` keeps the reading it always had (oldest first, `limit` per call, up to 100,000).
    const legacy = !follow && (req.query.after !== undefined || !isSearch(req.query));
    const search = parseLogSearch(legacy ? { ...req.query, limit: undefined } : req.query, { runId: run.id }, now());
    if (!follow) {
      if (!legacy) return page(search);
      const limit = countOf('limit', req.query.limit, maxTail, maxTail);
      const out: LogEntry[] = [];
      let after = parseCursor('after', req.query.after);
      while (out.length < limit) {
        const batch = await deps.store.readAfter(filterOf(search), after, Math.min(maxSearchLimit, limit - out.length));
        out.push(...batch);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.id;
      }
      return out.map(logEntryView);
    }
    if (req.query.before !== undefined) throw new InvalidInputError('before does not apply with follow=1 (a stream goes forward); use Last-Event-ID or after');
    const after = lastEventId(req) ?? 0;
    const finished = async (): Promise<unknown> => {
      const { run: now } = await engine.run(run.id);
      return terminalRunStates.has(now.state) ? { state: now.state, reason: now.reason } : null;
    };
    const runEnds = deps.runEnds;
    const changed = runEnds ? (timeoutMs: number, signal: AbortSignal): Promise<void> => runEnds.wait(run.id, timeoutMs, signal) : undefined;
    await stream(reply, () => ({ store: deps.store, appends: deps.appends, filter: filterOf(search), after, finished, ...(changed ? { changed } : {}) }), []);
  });
}
