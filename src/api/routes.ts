// The JSON HTTP API. Handlers stay thin: the engine does the work; errors become statuses in
// error-status.ts only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { need, seesEnvironment, seesProject } from '../auth/permission.ts';
import type { RunDetail } from '../engine/engine.ts';
import { principalOf } from './request-guard.ts';
import type { Engine } from '../engine/engine.ts';
import type { Deployer } from '../engine/deploy/deployer.ts';
import { terminalRunStates } from '../store/records.ts';
import { isGitHost } from '../hooks/verify-and-parse.ts';
import { readNewLines, tailLines, type FollowCursor } from './instance-logs.ts';
import { startSse } from './sse.ts';
import type { SecretApiDeps } from './secret-routes.ts';
import type { BackupApiDeps } from './backup-route.ts';
import type { DomainApiDeps } from './domain-routes.ts';
import type { AuditTrail } from '../engine/audit/audit-trail.ts';
import { projectView, releaseView, rolloutView, runView } from './views.ts';
import type { MetricsApiDeps } from './metrics-route.ts';

export interface ApiDeps {
  engine: Engine;
  secretApi: SecretApiDeps;
  backupApi: BackupApiDeps;
  auditTrail: AuditTrail;
  deployer: Deployer;
  domainApi: DomainApiDeps;
  metricsApi: MetricsApiDeps;
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

/** A run the principal may see (404 otherwise, as if absent), with the stages of other environments left out. */
function visibleRun(p: Principal, detail: RunDetail, ref: string): RunDetail {
  if (!seesProject(p, detail.run.project)) throw new NotFoundError('run', ref);
  if (p.environments === null) return detail;
  return { ...detail, stages: detail.stages.filter((s) => s.environment === null || seesEnvironment(p, s.environment)) };
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

  app.get('/api/health', { config: { permission: need.public } }, async () => ({ ok: true }));
  app.get('/healthz', { config: { permission: need.public } }, async () => ({ ok: true }));

  app.get('/api/whoami', { config: { permission: need.viewer } }, async (req) => principalOf(req));

  app.get('/api/projects', { config: { permission: need.viewer } }, async (req) =>
    (await engine.listProjects()).filter((p) => seesProject(req.principal, p.name)).map((p) => projectView(p, deps.apiBase(), false)),
  );

  app.post('/api/projects', { config: { permission: need.adminGlobal } }, async (req, reply) => {
    const b = body(req);
    const name = optionalString(b, 'name');
    const repo = optionalString(b, 'repo');
    if (!name) throw new InvalidInputError('name is required');
    if (!repo) throw new InvalidInputError('repo is required');
    const project = await engine.addProject({ name, repo, branch: optionalString(b, 'branch') ?? 'main' });
    return reply.code(201).send(projectView(project, deps.apiBase(), true));
  });

  app.get<{ Params: Params }>('/api/projects/:name', { config: { permission: need.viewer } }, async (req) =>
    projectView(await engine.project(req.params.name!), deps.apiBase(), principalOf(req).role === 'admin'),
  );

  app.post<{ Params: Params }>('/api/projects/:name/rotate-webhook-secret', { config: { permission: need.admin } }, async (req) =>
    projectView(await engine.rotateWebhookSecret(req.params.name!), deps.apiBase(), true),
  );

  app.put<{ Params: Params }>('/api/projects/:name/status-target', { config: { permission: need.admin } }, async (req) => {
    const b = body(req);
    const host = optionalString(b, 'host');
    const repo = optionalString(b, 'repo');
    const token = optionalString(b, 'token');
    if (!host || !isGitHost(host)) throw new InvalidInputError('host must be one of github, gitlab, bitbucket, gitea');
    if (!repo) throw new InvalidInputError('repo is required (owner/name, or the GitLab project path)');
    if (!token) throw new InvalidInputError('token is required');
    const apiUrl = optionalString(b, 'apiUrl');
    if (apiUrl !== undefined && !/^https?:\/\//.test(apiUrl)) throw new InvalidInputError('apiUrl must be an http(s) URL');
    await engine.setStatusTarget(req.params.name!, { host, repo, apiUrl: apiUrl ?? null, token }, principalOf(req).name);
    return { host, repo, apiUrl: apiUrl ?? null };
  });

  app.post<{ Params: Params }>('/api/projects/:name/trigger', { config: { permission: need.deployer } }, async (req, reply) => {
    const p = principalOf(req);
    const run = await engine.trigger(req.params.name!, optionalString(body(req), 'ref'), 'manual', p.name);
    return reply.code(201).send(runView({ run, stages: [], steps: [] }, false));
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/runs', { config: { permission: need.viewer } }, async (req) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 50) || 50));
    return (await engine.runs(req.params.name!, limit)).map((d) => runView(visibleRun(principalOf(req), d, d.run.id), false));
  });

  app.get<{ Params: Params }>('/api/runs/:id', { config: { permission: need.viewer } }, async (req) => runView(visibleRun(principalOf(req), await engine.run(req.params.id!), req.params.id!), true));

  /** The run named by the route, 404 when the principal may not see it. */
  const runFor = async (req: FastifyRequest<{ Params: Params }>): Promise<RunDetail> => visibleRun(principalOf(req), await engine.run(req.params.id!), req.params.id!);

  app.post<{ Params: Params }>('/api/runs/:id/cancel', { config: { permission: need.deployer } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.cancel(run.id, p.name)).id), run.id), true);
  });
  app.post<{ Params: Params }>('/api/runs/:id/approve', { config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.approve(run.id, p)).id), run.id), true);
  });
  app.post<{ Params: Params }>('/api/runs/:id/reject', { config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.reject(run.id, p, optionalString(body(req), 'reason'))).id), run.id), true);
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/runs/:id/logs', { config: { permission: need.viewer } }, async (req, reply) => {
    let after = Number(req.query.after ?? 0) || 0;
    await runFor(req);
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

  app.get<{ Params: Params }>('/api/projects/:name/status', { config: { permission: need.viewer } }, async (req) => {
    await engine.project(req.params.name!);
    const status = await deployer.status(req.params.name!);
    return { ...status, environments: status.environments.filter((e) => seesEnvironment(req.principal, e.name)) };
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/releases', { config: { permission: need.viewer } }, async (req) =>
    (await engine.releases(req.params.name!, req.params.env!)).map((r, i, all) => releaseView(r, all[i + 1])),
  );

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/rollback', { config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const to = body(req).to;
    if (to !== undefined && to !== null && !(Number.isInteger(to) && (to as number) > 0)) throw new InvalidInputError('to must be a release number');
    const release = await engine.rollback(req.params.name!, req.params.env!, (to as number | undefined) ?? undefined, principalOf(req).name);
    return releaseView(release);
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/rollout', { config: { permission: need.viewer } }, async (req) => rolloutView(await engine.rollout(req.params.name!, req.params.env!)));
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/promote', { config: { permission: need.deployerOneEnvironment } }, async (req) =>
    rolloutView(await engine.promote(req.params.name!, req.params.env!, body(req).full === true, principalOf(req).name)),
  );
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/abort', { config: { permission: need.deployerOneEnvironment } }, async (req) => rolloutView(await engine.abort(req.params.name!, req.params.env!, principalOf(req).name)));

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/redeploy', { config: { permission: need.deployerOneEnvironment } }, async (req) => {
    await engine.project(req.params.name!);
    return releaseView(await deployer.redeploy(req.params.name!, req.params.env!, principalOf(req).name));
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/environments/:env/logs', { config: { permission: need.viewer } }, async (req, reply) => {
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

  app.get<{ Params: Params }>('/api/projects/:name/previews', { config: { permission: need.viewer } }, async (req) => {
    await engine.project(req.params.name!);
    const list = await engine.previews.list(req.params.name!);
    const status = await deployer.status(req.params.name!);
    return list.filter((p) => seesEnvironment(req.principal, `pr-${p.number}`)).map((p) => {
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

  app.post('/api/dataplane/shutdown', { config: { permission: need.adminGlobal } }, async () => {
    await deps.onShutdownDataPlane();
    return { stopped: true };
  });
}
