// The dashboard's live updates (docs/decisions/0045-live-updates.md):
//   GET /api/stream[?project=P]          SSE: what changed, for the projects and environments the
//                                        caller sees; resumed with Last-Event-ID (or ?after=)
//   GET /api/projects/:name/traffic      each environment's recent requests/s and error rate
// The stream says what changed, not the new state: pages re-read through the ordinary routes,
// which apply the same permissions. A client too slow to read is not buffered for: its missed
// changes are dropped and it gets a `reset` (re-read everything) once its socket drains; so does
// every client when the feed says it may have missed changes (ChangeFeed.reset).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { need, seesEnvironment, seesProject } from '../auth/permission.ts';
import type { Principal } from '../auth/principal.ts';
import type { ChangeFeed } from '../live/change-feed.ts';
import { environmentOf, type LiveChange } from '../live/live-change.ts';
import type { TrafficHistory } from '../live/traffic-history.ts';
import { principalOf } from './request-guard.ts';
import { visibleTraffic } from './visible-views.ts';
import { startSse, type SseStream } from './sse.ts';
import { errorResponses, projectParams } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface LiveApiDeps {
  feed: ChangeFeed;
  traffic: Pick<TrafficHistory, 'of' | 'intervalMs'>;
  /** Throws NotFoundError for a project that does not exist. */
  assertProject(name: string): Promise<void>;
  /** A heartbeat comment on an idle stream after this long (default 15 s). */
  heartbeatMs?: number;
}

type Query = Record<string, string | undefined>;

/** `BOOT:SEQ` from Last-Event-ID or ?after=; null when the client has no cursor. */
function cursorOf(req: FastifyRequest<{ Querystring: Query }>): { boot: string; seq: number } | null {
  const header = req.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header) || req.query.after;
  if (value === undefined || value === '') return null;
  const m = /^([0-9a-f]{8}):(\d{1,15})$/.exec(value);
  if (!m) throw new InvalidInputError(`Last-Event-ID (or after) must be BOOT:SEQ as the stream sent it, got ${JSON.stringify(value)}`);
  return { boot: m[1]!, seq: Number(m[2]) };
}

function visibleTo(p: Principal, project: string | undefined): (c: LiveChange) => boolean {
  return (c) => {
    if (project !== undefined && c.project !== project) return false;
    if (!seesProject(p, c.project)) return false;
    const env = environmentOf(c);
    if (env !== null && !seesEnvironment(p, env)) return false;
    // A scoped principal sees traffic only of its environments.
    return c.kind !== 'traffic' || p.environments === null || c.samples.every((s) => seesEnvironment(p, s.environment));
  };
}

export function registerLiveRoutes(app: FastifyInstance, deps: LiveApiDeps): void {
  const liveSchemas = lazySchemas(() => import('./schemas/live-schemas.ts'));
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const open = new Set<SseStream>();
  // Before the server stops listening: an open stream would hold app.close() forever.
  app.addHook('preClose', async () => {
    for (const s of open) s.end();
  });

  app.get<{ Querystring: Query }>('/api/stream', { schema: { summary: 'What changes, live (SSE), for the dashboard', querystring: liveSchemas.streamQuerySchema, response: { 200: { description: 'a text/event-stream', content: { 'text/event-stream': { schema: liveSchemas.liveStreamSchema } } }, ...errorResponses } }, config: { permission: need.viewer } }, async (req, reply) => {
    const p = principalOf(req);
    const project = req.query.project;
    if (project !== undefined) {
      if (!seesProject(p, project)) throw new NotFoundError('project', project);
      await deps.assertProject(project);
    }
    const cursor = cursorOf(req);
    const visible = visibleTo(p, project);
    const { feed } = deps;
    const idOf = (seq: number): string => `${feed.boot}:${seq}`;

    const sse = startSse(reply);
    open.add(sse);
    let lastWrite = Date.now();
    let congested = false;
    let missed = false;
    let live = false;
    const queued: LiveChange[] = [];
    const write = (c: LiveChange): void => {
      if (congested) {
        missed = true;
        return;
      }
      lastWrite = Date.now();
      if (!sse.send('change', c, idOf(c.seq))) {
        congested = true;
        void sse.drained().then((ok) => {
          congested = false;
          if (ok && missed) {
            missed = false;
            sse.send('reset', { reason: 'the client read too slowly; re-read everything' }, idOf(feed.seq));
          }
        });
      }
    };
    const unsubscribe = feed.subscribe(
      (c) => {
        if (!visible(c)) return;
        if (live) write(c);
        else queued.push(c);
      },
      // The feed may have missed changes (its relay to other servers was cut): re-read everything.
      // (No reset can come before `live`: nothing below awaits.)
      (r) => {
        if (congested) {
          missed = true;
          return;
        }
        lastWrite = Date.now();
        sse.send('reset', { reason: r.reason }, idOf(r.seq));
      },
    );
    const heartbeat = setInterval(() => {
      if (Date.now() - lastWrite >= heartbeatMs) {
        lastWrite = Date.now();
        sse.comment('heartbeat');
      }
    }, Math.min(heartbeatMs, 5000));
    sse.signal.addEventListener('abort', () => {
      unsubscribe();
      clearInterval(heartbeat);
      open.delete(sse);
    });

    // What the client missed, then what arrived meanwhile, then live.
    let upTo = feed.seq;
    if (cursor !== null) {
      const backlog = cursor.boot === feed.boot ? feed.since(cursor.seq) : null;
      if (backlog === null) sse.send('reset', { reason: cursor.boot === feed.boot ? 'more changed than the server keeps' : 'the server restarted' }, idOf(upTo));
      else for (const c of backlog) if (visible(c)) write(c);
    }
    sse.send('ready', { boot: feed.boot, seq: upTo }, cursor === null ? idOf(upTo) : undefined);
    for (const c of queued) {
      if (c.seq <= upTo) continue;
      write(c);
      upTo = c.seq;
    }
    queued.length = 0;
    live = true;
  });

  app.get<{ Params: Record<string, string> }>('/api/projects/:name/traffic', { schema: { summary: "Each environment's recent requests/s and error rate (15 minutes at 5 s)", params: projectParams, response: { 200: liveSchemas.trafficSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const name = req.params.name!;
    await deps.assertProject(name);
    const p = principalOf(req);
    return { project: name, intervalMs: deps.traffic.intervalMs, environments: visibleTraffic(deps.traffic, p, name) };
  });
}
