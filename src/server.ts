// The composition root: the only place that picks concrete drivers (SQLite store, local
// runner, git source, process runtime, edge router) and wires them into the engine and API.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from './api/create-api.ts';
import { ArtifactStore } from './artifact/artifact-store.ts';
import { ownChildEnv } from './config/environment.ts';
import { systemClock } from './engine/clock.ts';
import { Deployer } from './engine/deploy/deployer.ts';
import type { EngineConfig } from './engine/engine-config.ts';
import { defaultRunLogPolicy, type RunLogPolicy } from './engine/run-log-policy.ts';
import type { InstanceLogPolicy } from './dataplane/instance-log-policy.ts';
import { Engine } from './engine/engine.ts';
import { AuditTrail } from './engine/audit/audit-trail.ts';
import { newOwner } from './engine/lease-owner.ts';
import type { Logger } from './engine/logger.ts';
import { errorMessage } from './errors.ts';
import { textLogger, type LogFormat } from './server/create-logger.ts';
import { EdgeRouterClient } from './router/edge/edge-router-client.ts';
import { LocalRunner } from './runner/local/local-runner.ts';
import { ProcessRuntime } from './runtime/process/process-runtime.ts';
import { assertPortFree } from './server/check-port.ts';
import { ensureDataPlane } from './server/ensure-data-plane.ts';
import { DataPlaneSupervisor } from './server/supervise-data-plane.ts';
import type { DataPlaneClient } from './dataplane/data-plane-client.ts';
import { GitSource } from './source/git/git-source.ts';
import type { Source } from './source/source.ts';
import { openSqliteStore } from './store/sqlite/open-sqlite-store.ts';
import { masterKeyFileOf, openSecrets } from './server/open-secrets.ts';
import { defaultApiUrl } from './notify/post-commit-status.ts';
import { StatusNotifier } from './notify/status-notifier.ts';
import { commitStateForRun } from './notify/status-target.ts';
import { statusTargetOf } from './engine/notify/status-target-of.ts';
import type { Project, Run } from './store/records.ts';

export interface ServerOptions {
  dataDir: string;
  host: string;
  port: number;
  routerPort: number;
  routerHost: string;
  baseDomain: string;
  maxRuns: number;
  pollIntervalMs: number;
  keepArtifacts: number;
  /** Instance log caps, handed to a data plane this server starts (an adopted one keeps its own); default defaultInstanceLogPolicy. */
  instanceLogs?: InstanceLogPolicy;
  /** Run log caps and retention; default defaultRunLogPolicy. */
  runLogs?: RunLogPolicy;
  path: string;
  home: string;
  masterKey: string | undefined;
  previousMasterKey: string | undefined;
  /** postgres://… to keep the state in PostgreSQL instead of <data>/sluice.db. */
  database?: string;
  /** False: the data plane is started by its own service; the server waits for it and adopts it. */
  startDataPlane?: boolean;
  /** Given to a data plane the server starts (default text). */
  logFormat?: LogFormat;
}

export interface RunningServer {
  url: string;
  routerPort: number;
  engine: Engine;
  close(): Promise<void>;
}

export const binPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'sluice.js');

export async function startServer(opts: ServerOptions, logger: Logger = textLogger()): Promise<RunningServer> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  await assertPortFree(opts.host, opts.port);
  // The embedded SQLite file, or PostgreSQL when --database names one (several servers can share it).
  // The PostgreSQL driver (pg) is loaded only when asked for: a SQLite server never pays its memory.
  const store = opts.database
    ? (await import('./store/postgres/open-postgres-store.ts')).openPostgresStore({ connectionString: opts.database })
    : openSqliteStore(path.join(dataDir, 'sluice.db'));
  await store.migrate();
  let dataPlane: DataPlaneClient | null = null;
  const { secrets, redact, rotateKey, masterKey } = await openSecrets(store, dataDir, opts.masterKey, opts.previousMasterKey, logger, async (next) => {
    await dataPlane?.request('POST', '/master-key', { key: next.toString('base64') });
  });

  const dpOptions = {
    dataDir,
    routerPort: opts.routerPort,
    routerHost: opts.routerHost,
    binPath,
    env: ownChildEnv(),
    log: logger.info,
    start: opts.startDataPlane !== false,
    args: ['--log-format', opts.logFormat ?? 'text'],
    instanceLogs: opts.instanceLogs,
    keepRouterPort: true,
  };
  const dp = await ensureDataPlane(dpOptions);
  dataPlane = dp.client;
  // A data plane adopted from before a key rotation by restart (SLUICE_PREVIOUS_MASTER_KEY) still
  // seals under the old key: give it the current one, or it could not reopen its state later.
  const giveKey = (): Promise<void> =>
    dp.client.request('POST', '/master-key', { key: masterKey.toString('base64') }).then(
      () => {},
      (e: unknown) => logger.warn(`the data plane did not take the master key: ${errorMessage(e)}`),
    );
  await giveKey();
  // The same socket serves the restarted data plane: the clients below stay valid.
  const dpSupervisor = new DataPlaneSupervisor(dp, { ...dpOptions, onBack: giveKey });
  const hostname = os.hostname();
  const config: EngineConfig = {
    dataDir,
    maxRuns: opts.maxRuns,
    pollIntervalMs: opts.pollIntervalMs,
    leaseMs: 10_000,
    heartbeatMs: 2_000,
    owner: newOwner(hostname, process.pid),
    hostname,
    path: opts.path,
    home: opts.home,
    baseDomain: opts.baseDomain,
    routerPort: dp.routerPort,
    keepArtifacts: opts.keepArtifacts,
    runLogs: opts.runLogs ?? defaultRunLogPolicy,
  };
  const artifacts = new ArtifactStore({ dir: path.join(dataDir, 'artifacts') });
  const runtime = new ProcessRuntime(dp.client, artifacts, dataDir);
  const router = new EdgeRouterClient(dp.client);
  const sources = new Map<string, Source>();
  const sourceOf = (project: Project): Source => {
    const key = `${project.name}\n${project.repo}`;
    let s = sources.get(key);
    if (!s) {
      s = new GitSource({ repo: project.repo, mirrorDir: path.join(dataDir, 'repos', `${project.name}.git`), env: { PATH: opts.path, HOME: opts.home } });
      sources.set(key, s);
    }
    return s;
  };
  const deployer = new Deployer({ store, runtime, router, clock: systemClock, config, logger, artifactExists: (d) => artifacts.has(d), secrets });
  const notifier = new StatusNotifier({ resolve: async (name) => statusTargetOf(await store.getProject(name), secrets, defaultApiUrl), log: logger.info });
  const onRunState = (run: Run, state: string, reason: string | null): void => {
    const commitState = commitStateForRun(state);
    if (!commitState) return;
    const env = run.preview !== null ? `pr-${run.preview}` : 'production';
    notifier.notify(run.project, {
      sha: run.commitSha,
      state: commitState,
      context: run.preview !== null ? `sluice/pr-${run.preview}` : 'sluice',
      description: `run #${run.number} ${state}${reason ? `: ${reason}` : ''}`,
      targetUrl: deployer.urlOf(run.project, env),
    });
  };
  const engine = new Engine({ store, runner: new LocalRunner(), artifacts, sourceOf, deployer, router, clock: systemClock, config, secrets, redact, onRunState }, logger);

  let url = `http://${opts.host}:${opts.port}`;
  const app = createApi(
    {
      engine,
      deployer,
      secretApi: { secrets, rotateKey },
      auditTrail: new AuditTrail(store, systemClock),
      backupApi: {
        backup: async (hint) => {
          // In the data directory: writable under the service unit, and on the store's own disk.
          const file = path.join(dataDir, `.backup-${randomUUID()}.db`);
          const remove = (): void => fs.rmSync(file, { force: true });
          try {
            await store.backup(file, hint);
          } catch (error) {
            remove();
            throw error;
          }
          return { file, remove };
        },
        masterKeyAt: opts.masterKey !== undefined ? "the server's SLUICE_MASTER_KEY environment variable" : masterKeyFileOf(dataDir),
      },
      apiBase: () => url,
      onShutdownDataPlane: async () => {
        dpSupervisor.stop();
        await engine.stop();
        await dp.client.request('POST', '/shutdown').catch(() => {});
      },
    },
    { logErrors: (m, e) => logger.error(m, e) },
  );
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  if (address && typeof address === 'object') url = `http://${opts.host}:${address.port}`; // --port 0 picks a free port
  await engine.start();
  logger.info(`sluice server: API on ${url}, router on ${opts.routerHost}:${dp.routerPort}, data in ${dataDir}`);
  return {
    url,
    routerPort: dp.routerPort,
    engine,
    async close() {
      dpSupervisor.stop();
      await app.close();
      await engine.stop();
      await notifier.close();
      await store.close();
    },
  };
}
