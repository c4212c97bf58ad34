// The JSON HTTP API. Handlers stay thin: the engine does the work; errors become statuses in
// error-status.ts only.
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { Deployer } from '../engine/deploy/deployer.ts';
import { terminalRunStates } from '../store/records.ts';
import { isGitHost } from '../hooks/verify-and-parse.ts';
import { readNewLines, tailLines, type FollowCursor } from './instance-logs.ts';
import { startSse } from './sse.ts';
import type { SecretApiDeps } from './secret-routes.ts';
import type { BackupApiDeps } from './backup-route.ts';
import type { AuditTrail } from '../engine/audit/audit-trail.ts';
import { projectView, releaseView, rolloutView, runView } from './views.ts';

export interface ApiDeps {
  engine: Engine;
  secretApi: SecretApiDeps;
  backupApi: BackupApiDeps;
  auditTrail: AuditTrail;
  deployer: Deployer;
  apiBase(): string;
  onShutdownDataPlane(): Promise<void>;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

/** Instance log lines answered at most (the newest ones): a log of any size costs this, not the file. */
const defaultTail = 1000;
const maxTail = 100_000;

function tailOf(value: string | undefined): number {
  if (value === undefined) return defaultTail;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > maxTail) throw new InvalidInputError(`tail must be an integer from 1 to ${maxTail}, got ${JSON.stringify(value)}`);
  return n;
}

function actorOf(headers: Record<string, unknown>): string {
  const a = headers['x-sluice-actor'];
  return typeof a === 'string' && a ? a.slice(0, 100) : 'anonymous';
}

function body(req: { body: unknown }): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

function optionalString(b: Record<string, unknown>, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new InvalidInputError(`${key} must be a string`);
  return v;
}

export function registerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { engine, deployer } = deps;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  app.get('/api/health', async () => ({ ok: true }));

  app.get('/api/projects', async () => (await engine.listProjects()).map((p) => projectView(p, deps.apiBase())));

  app.post('/api/projects', async (req, reply) => {
    const b = body(req);
    const name = optionalString(b, 'name');
    const repo = optionalString(b, 'repo');
    if (!name) throw new InvalidInputError('name is required');
    if (!repo) throw new InvalidInputError('repo is required');
    const project = await engine.addProject({ name, repo, branch: optionalString(b, 'branch') ?? 'main' });
    return reply.code(201).send(projectView(project, deps.apiBase()));
  });

  app.get<{ Params: Params }>('/api/projects/:name', async (req) => projectView(await engine.project(req.params.name!), deps.apiBase()));

  app.put<{ Params: Params }>('/api/projects/:name/status-target', async (req) => {
    const b = body(req);
    const host = optionalString(b, 'host');
    const repo = optionalString(b, 'repo');
    const token = optionalString(b, 'token');
    if (!host || !isGitHost(host)) throw new InvalidInputError('host must be one of github, gitlab, bitbucket, gitea');
    if (!repo) throw new InvalidInputError('repo is required (owner/name, or the GitLab project path)');
    if (!token) throw new InvalidInputError('token is required');
    const apiUrl = optionalString(b, 'apiUrl');
    if (apiUrl !== undefined && !/^https?:\/\//.test(apiUrl)) throw new InvalidInputError('apiUrl must be an http(s) URL');
    await engine.setStatusTarget(req.params.name!, { host, repo, apiUrl: apiUrl ?? null, token }, actorOf(req.headers));
    return { host, repo, apiUrl: apiUrl ?? null };
  });

  app.post<{ Params: Params }>('/api/projects/:name/trigger', async (req, reply) => {
    const run = await engine.trigger(req.params.name!, optionalString(body(req), 'ref'), 'manual');
    return reply.code(201).send(runView({ run, stages: [], steps: [] }, false));
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/runs', async (req) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 50) || 50));
    return (await engine.runs(req.params.name!, limit)).map((d) => runView(d, false));
  });

  app.get<{ Params: Params }>('/api/runs/:id', async (req) => runView(await engine.run(req.params.id!), true));

  app.post<{ Params: Params }>('/api/runs/:id/cancel', async (req) => runView(await engine.run((await engine.cancel(req.params.id!, actorOf(req.headers))).id), true));
  app.post<{ Params: Params }>('/api/runs/:id/approve', async (req) => runView(await engine.run((await engine.approve(req.params.id!, actorOf(req.headers))).id), true));
  app.post<{ Params: Params }>('/api/runs/:id/reject', async (req) =>
    runView(await engine.run((await engine.reject(req.params.id!, actorOf(req.headers), optionalString(body(req), 'reason'))).id), true),
  );

  app.get<{ Params: Params; Querystring: Query }>('/api/runs/:id/logs', async (req, reply) => {
    let after = Number(req.query.after ?? 0) || 0;
    if (req.query.follow === undefined || req.query.follow === '0') {
      return engine.logs(req.params.id!, after, Math.min(100_000, Number(req.query.limit ?? 100_000) || 100_000));
    }
    const id = (await engine.run(req.params.id!)).run.id; // 404 before the stream starts
    const sse = startSse(reply);
    while (!sse.closed()) {
      const lines = await engine.logs(id, after, 5000);
      for (const l of lines) sse.send('line', l);
      if (lines.length) after = lines[lines.length - 1]!.id;
      if (lines.length === 5000) continue;
      const { run } = await engine.run(id);
      if (terminalRunStates.has(run.state) && (await engine.logs(id, after, 1)).length === 0) {
        sse.send('end', { state: run.state, reason: run.reason });
        break;
      }
      await sleep(250);
    }
    sse.end();
  });

  app.get<{ Params: Params }>('/api/projects/:name/status', async (req) => {
    await engine.project(req.params.name!);
    return deployer.status(req.params.name!);
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/releases', async (req) =>
    (await engine.releases(req.params.name!, req.params.env!)).map((r, i, all) => releaseView(r, all[i + 1])),
  );

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/rollback', async (req) => {
    const to = body(req).to;
    if (to !== undefined && to !== null && !(Number.isInteger(to) && (to as number) > 0)) throw new InvalidInputError('to must be a release number');
    const release = await engine.rollback(req.params.name!, req.params.env!, (to as number | undefined) ?? undefined, actorOf(req.headers));
    return releaseView(release);
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/rollout', async (req) => rolloutView(await engine.rollout(req.params.name!, req.params.env!)));
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/promote', async (req) =>
    rolloutView(await engine.promote(req.params.name!, req.params.env!, body(req).full === true, actorOf(req.headers))),
  );
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/abort', async (req) => rolloutView(await engine.abort(req.params.name!, req.params.env!, actorOf(req.headers))));

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/redeploy', async (req) => {
    await engine.project(req.params.name!);
    return releaseView(await deployer.redeploy(req.params.name!, req.params.env!, actorOf(req.headers)));
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/environments/:env/logs', async (req, reply) => {
    await engine.project(req.params.name!);
    const cursor: FollowCursor = new Map();
    const files = (): Promise<string[]> => deployer.instanceLogFiles(req.params.name!, req.params.env!);
    const tail = tailOf(req.query.tail);
    const newest = await tailLines(await files(), tail, cursor);
    if (req.query.follow === undefined || req.query.follow === '0') return newest;
    const sse = startSse(reply);
    for (const l of newest) sse.send('line', l);
    while (!sse.closed()) {
      for (const l of await readNewLines(await files(), cursor)) sse.send('line', l);
      await sleep(300);
    }
    sse.end();
  });

  app.get<{ Params: Params }>('/api/projects/:name/previews', async (req) => {
    await engine.project(req.params.name!);
    const list = await engine.previews.list(req.params.name!);
    const status = await deployer.status(req.params.name!);
    return list.map((p) => {
      const env = status.environments.find((e) => e.name === `pr-${p.number}`);
      return {
        name: `pr-${p.number}`,
        pullRequest: p.number,
        url: deployer.urlOf(req.params.name!, `pr-${p.number}`),
        commit: env?.release?.commit ?? p.headSha,
        branch: p.headRef,
        state: env?.state ?? 'progressing',
        createdAt: p.createdAt,
        lastRequestAt: p.lastRequestAt,
      };
    });
  });

  app.post('/api/dataplane/shutdown', async () => {
    await deps.onShutdownDataPlane();
    return { stopped: true };
  });
}
