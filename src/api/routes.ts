// The JSON HTTP API. Handlers stay thin: the engine does the work; errors become statuses in
// error-status.ts only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FlagKeyApiDeps } from './flag-key-routes.ts';
import { InvalidInputError } from '../errors.ts';
import { need, seesEnvironment } from '../auth/permission.ts';
import type { RunDetail } from '../engine/engine.ts';
import { principalOf } from './request-guard.ts';
import type { Engine } from '../engine/engine.ts';
import type { Deployer } from '../engine/deploy/deployer.ts';
import { isGitHost } from '../hooks/verify-and-parse.ts';
import { visibleRun } from './visible-run.ts';
import { visibleProjects, visibleRuns, visibleStatus } from './visible-views.ts';
import type { SecretApiDeps } from './secret-routes.ts';
import type { BackupApiDeps } from './backup-route.ts';
import type { DomainApiDeps } from './domain-routes.ts';
import type { AlertApiDeps } from './alert-routes.ts';
import type { NotificationApiDeps } from './notification-routes.ts';
import type { LogApiDeps } from './log-routes.ts';
import type { AuditTrail } from '../engine/audit/audit-trail.ts';
import { projectView, releaseView, rolloutView, runView } from './views.ts';
import type { MetricsApiDeps } from './metrics-route.ts';
import type { DoraApiDeps } from './dora-route.ts';
import type { RenderApiDeps } from './render-route.ts';
import type { FlagApiDeps } from './flag-routes.ts';
import type { LiveApiDeps } from './live-routes.ts';
import { environmentParams, errorResponses, projectParams, runParams } from './schemas/common-schemas.ts';
import type { OidcRouteDeps } from './oidc-routes.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface ApiDeps {
  engine: Engine;
  secretApi: SecretApiDeps;
  backupApi: BackupApiDeps;
  auditTrail: AuditTrail;
  deployer: Deployer;
  domainApi: DomainApiDeps;
  alertApi: AlertApiDeps;
  notificationApi: NotificationApiDeps;
  metricsApi: MetricsApiDeps;
  doraApi: DoraApiDeps;
  renderApi: RenderApiDeps;
  flagApi: FlagApiDeps;
  logApi: LogApiDeps;
  /** The dashboard's live stream and traffic history. */
  liveApi: LiveApiDeps;
  /** The environments' public flag keys (absent: no route). */
  flagKeyApi?: FlagKeyApiDeps;
  /** Single sign-on (--oidc-issuer); absent: its routes answer that it is not configured. */
  oidcApi?: OidcRouteDeps;
  apiBase(): string;
  onShutdownDataPlane(): Promise<void>;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

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
  const projectSchemas = lazySchemas(() => import('./schemas/project-schemas.ts'));
  const runSchemas = lazySchemas(() => import('./schemas/run-schemas.ts'));
  const deploySchemas = lazySchemas(() => import('./schemas/deploy-schemas.ts'));
  const serverSchemas = lazySchemas(() => import('./schemas/server-schemas.ts'));
  const { engine, deployer } = deps;

  app.get('/api/health', { schema: { summary: 'Is the API up', response: { 200: serverSchemas.healthSchema, ...errorResponses } }, config: { permission: need.public } }, async () => ({ ok: true }));
  app.get('/healthz', { schema: { summary: 'Is the server up (no token)', response: { 200: serverSchemas.healthSchema, ...errorResponses } }, config: { permission: need.public } }, async () => ({ ok: true }));

  app.get('/api/whoami', { schema: { summary: 'The caller: its token name, role and limits', response: { 200: projectSchemas.principalSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => principalOf(req));

  app.get('/api/projects', { schema: { summary: 'The projects the caller sees', response: { 200: projectSchemas.projectListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) =>
    (await visibleProjects(engine, req.principal)).map((p) => projectView(p, deps.apiBase(), false)),
  );

  app.post('/api/projects', { schema: { summary: 'Register a repository', body: projectSchemas.addProjectBodySchema, response: { 201: projectSchemas.projectSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req, reply) => {
    const b = body(req);
    const name = optionalString(b, 'name');
    const repo = optionalString(b, 'repo');
    if (!name) throw new InvalidInputError('name is required');
    if (!repo) throw new InvalidInputError('repo is required');
    const project = await engine.addProject({ name, repo, branch: optionalString(b, 'branch') ?? 'main' });
    const signingSecret = await deps.notificationApi.signingSecretOf(project.name);
    return reply.code(201).send({ ...projectView(project, deps.apiBase(), true), notifications: { signingSecret } });
  });

  app.get<{ Params: Params }>('/api/projects/:name', { schema: { summary: 'One project (secrets for admins only)', params: projectParams, response: { 200: projectSchemas.projectSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const project = await engine.project(req.params.name!);
    const admin = principalOf(req).role === 'admin';
    // The signing secret, like the webhook secret, is shown to admins only.
    return { ...projectView(project, deps.apiBase(), admin), ...(admin ? { notifications: { signingSecret: await deps.notificationApi.signingSecretOf(project.name) } } : {}) };
  });

  app.post<{ Params: Params }>('/api/projects/:name/rotate-webhook-secret', { schema: { summary: 'A new webhook secret', params: projectParams, response: { 200: projectSchemas.projectSchema, ...errorResponses } }, config: { permission: need.admin } }, async (req) =>
    projectView(await engine.rotateWebhookSecret(req.params.name!), deps.apiBase(), true),
  );

  app.put<{ Params: Params }>('/api/projects/:name/status-target', { schema: { summary: 'Where commit statuses are reported', params: projectParams, body: projectSchemas.statusTargetBodySchema, response: { 200: projectSchemas.statusTargetSchema, ...errorResponses } }, config: { permission: need.admin } }, async (req) => {
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

  app.post<{ Params: Params }>('/api/projects/:name/trigger', { schema: { summary: 'Start a run now', params: projectParams, body: runSchemas.triggerBodySchema, response: { 201: runSchemas.runSchema, ...errorResponses } }, config: { permission: need.deployer } }, async (req, reply) => {
    const p = principalOf(req);
    const run = await engine.trigger(req.params.name!, optionalString(body(req), 'ref'), 'manual', p.name);
    return reply.code(201).send(runView({ run, stages: [], steps: [] }, false));
  });

  app.get<{ Params: Params; Querystring: Query }>('/api/projects/:name/runs', { schema: { summary: 'Runs, newest first', params: projectParams, querystring: runSchemas.runsQuerySchema, response: { 200: runSchemas.runListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 50) || 50));
    return (await visibleRuns(engine, principalOf(req), req.params.name!, limit)).map((d) => runView(d, false));
  });

  app.get<{ Params: Params }>('/api/runs/:id', { schema: { summary: 'One run with its stages and steps', params: runParams, response: { 200: runSchemas.runSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => runView(visibleRun(principalOf(req), await engine.run(req.params.id!), req.params.id!), true));

  /** The run named by the route, 404 when the principal may not see it. */
  const runFor = async (req: FastifyRequest<{ Params: Params }>): Promise<RunDetail> => visibleRun(principalOf(req), await engine.run(req.params.id!), req.params.id!);

  app.post<{ Params: Params }>('/api/runs/:id/cancel', { schema: { summary: 'Cancel a run (the reason, if given, joins "cancelled by NAME")', params: runParams, body: runSchemas.cancelBodySchema, response: { 200: runSchemas.runSchema, ...errorResponses } }, config: { permission: need.deployer } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.cancel(run.id, p.name, optionalString(body(req), 'reason'))).id), run.id), true);
  });
  app.post<{ Params: Params }>('/api/runs/:id/approve', { schema: { summary: 'Approve a run waiting at a gate', params: runParams, response: { 200: runSchemas.runSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.approve(run.id, p)).id), run.id), true);
  });
  app.post<{ Params: Params }>('/api/runs/:id/reject', { schema: { summary: 'Reject a run waiting at a gate', params: runParams, body: runSchemas.rejectBodySchema, response: { 200: runSchemas.runSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const { run } = await runFor(req);
    const p = principalOf(req);
    return runView(visibleRun(p, await engine.run((await engine.reject(run.id, p, optionalString(body(req), 'reason'))).id), run.id), true);
  });

  app.get<{ Params: Params }>('/api/projects/:name/status', { schema: { summary: 'Environments, their state and live release', params: projectParams, response: { 200: projectSchemas.projectStatusSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
    await engine.project(req.params.name!);
    return visibleStatus(deployer, req.principal, req.params.name!);
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/releases', { schema: { summary: 'Releases, newest first, with configuration changes', params: environmentParams, response: { 200: deploySchemas.releaseListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) =>
    (await engine.releases(req.params.name!, req.params.env!)).map((r, i, all) => releaseView(r, all[i + 1])),
  );

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/rollback', { schema: { summary: 'Roll back to an earlier release', params: environmentParams, body: deploySchemas.rollbackBodySchema, response: { 200: deploySchemas.releaseSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    const to = body(req).to;
    if (to !== undefined && to !== null && !(Number.isInteger(to) && (to as number) > 0)) throw new InvalidInputError('to must be a release number');
    const release = await engine.rollback(req.params.name!, req.params.env!, (to as number | undefined) ?? undefined, principalOf(req).name);
    return releaseView(release);
  });

  app.get<{ Params: Params }>('/api/projects/:name/environments/:env/rollout', { schema: { summary: 'The latest rollout', params: environmentParams, response: { 200: deploySchemas.rolloutSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => rolloutView(await engine.rollout(req.params.name!, req.params.env!)));
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/promote', { schema: { summary: 'Promote a paused rollout (one step, or full)', params: environmentParams, body: deploySchemas.promoteBodySchema, response: { 200: deploySchemas.rolloutSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) =>
    rolloutView(await engine.promote(req.params.name!, req.params.env!, body(req).full === true, principalOf(req).name)),
  );
  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/abort', { schema: { summary: 'Abort a rollout', params: environmentParams, response: { 200: deploySchemas.rolloutSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => rolloutView(await engine.abort(req.params.name!, req.params.env!, principalOf(req).name)));

  app.post<{ Params: Params }>('/api/projects/:name/environments/:env/redeploy', { schema: { summary: 'Deploy the live release again (current secret versions)', params: environmentParams, response: { 200: deploySchemas.releaseSchema, ...errorResponses } }, config: { permission: need.deployerOneEnvironment } }, async (req) => {
    await engine.project(req.params.name!);
    return releaseView(await deployer.redeploy(req.params.name!, req.params.env!, principalOf(req).name));
  });

  app.get<{ Params: Params }>('/api/projects/:name/previews', { schema: { summary: 'Pull request previews', params: projectParams, response: { 200: projectSchemas.previewListSchema, ...errorResponses } }, config: { permission: need.viewer } }, async (req) => {
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

  app.post('/api/dataplane/shutdown', { schema: { summary: 'Stop the data plane (upgrades)', response: { 200: serverSchemas.stoppedSchema, ...errorResponses } }, config: { permission: need.adminGlobal } }, async () => {
    await deps.onShutdownDataPlane();
    return { stopped: true };
  });
}
