// The composition root: the only place that picks concrete drivers (SQLite store, local
// runner, git source, process runtime, edge router) and wires them into the engine and API.
import { EventLog } from './events/event-log.ts';
import { packageRoot } from './config/package-root.ts';
import { SingletonLease } from './engine/singleton-lease.ts';
import { AlertEvaluator } from './engine/alerts/alert-evaluator.ts';
import { alertViews } from './engine/alerts/alert-views.ts';
import { WatchedEnvironments } from './engine/alerts/watched-environments.ts';
import { defaultOutputRotation } from './server/rotate-own-output.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servedHosts } from './api/request-guard.ts';
import { defaultFailureLimit } from './auth/failure-limiter.ts';
import { TokenService } from './auth/token-service.ts';
import { defaultSessionPolicy, SessionService } from './auth/session-service.ts';
import { ensureAdminToken } from './server/ensure-admin-token.ts';
import { ownChildEnv } from './config/environment.ts';
import { packageVersion } from './config/package-version.ts';
import type { EngineConfig } from './engine/engine-config.ts';
import { defaultRunLogPolicy } from './engine/run-log-policy.ts';
import type { Engine } from './engine/engine.ts';
import { AuditTrail } from './engine/audit/audit-trail.ts';
import type { Logger } from './engine/logger.ts';
import { NotFoundError, errorMessage } from './errors.ts';
import type { FlagPublisher } from './flags/flag-publisher.ts';
import { textLogger } from './server/create-logger.ts';
import { openSandbox, SANDBOX_OFF_WARNING } from './sandbox/open-sandbox.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import { assertPortFree } from './server/check-port.ts';
import { ensureDataPlane } from './server/ensure-data-plane.ts';
import { DataPlaneClient } from './dataplane/data-plane-client.ts';
import { socketPathOf } from './dataplane/data-plane-paths.ts';
import type { Source } from './source/source.ts';
import { openSqliteStore } from './store/sqlite/open-sqlite-store.ts';
import { masterKeyFileOf, openSecrets } from './server/open-secrets.ts';
import { moveRunLogRows, openLogs } from './server/open-log-store.ts';
import { RunEndSignal, watchRunEnds } from './engine/run-end-signal.ts';
import { ChangeFeed } from './live/change-feed.ts';
import { watchChanges } from './live/watch-changes.ts';
import { TrafficHistory } from './live/traffic-history.ts';
import { TrafficCollector } from './metrics/collect-traffic.ts';
import { defaultLogStorePolicy } from './logs/log-store-policy.ts';
import type { Project, Run } from './store/records.ts';
import { defaultAcmeSettings } from './certificates/acme-settings.ts';
import { certificateId } from './certificates/certificate-record.ts';
import type { CertificateFailure, CertificateManager as CertificateManagerType } from './certificates/certificate-manager.ts';
import { openTracing } from './tracing/open-tracing.ts';
import { FlagKeyMaker } from './flags/ofrep/flag-keys.ts';
import { DataPlaneFlagPublisher, flagsEnvironment } from './dataplane/data-plane-flag-publisher.ts';
import type { Router } from './router/router.ts';
import type { Runtime } from './runtime/runtime.ts';
import { openFlags } from './server/open-flags.ts';
import { trafficSources } from './server/traffic-sources.ts';
import { loadServing } from './server/load-serving.ts';
import type { ServerOptions } from './server/server-options.ts';
import { backupApi } from './server/backup-api.ts';

export type { ServerOptions } from './server/server-options.ts';

/** How long a stopping server waits for the last spans to reach the collector. */
const tracingFlushMs = 2_000;

export interface RunningServer {
  url: string;
  routerPort: number;
  engine: Engine;
  /** Publishes environments' flags to the data plane (the flag store and deploy hook call it). */
  flagPublisher: FlagPublisher;
  close(): Promise<void>;
}

function chmodIfThere(file: string, mode: number): void {
  try {
    fs.chmodSync(file, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export const binPath = path.join(packageRoot(), 'bin', 'sluice.js');

export async function startServer(opts: ServerOptions, logger: Logger = textLogger()): Promise<RunningServer> {
  const dataDir = path.resolve(opts.dataDir);
  // Before anything is written: a host that cannot sandbox steps must not run any.
  const sandboxMode = opts.sandbox ?? 'none';
  let sandbox: Sandbox | null = null;
  if (sandboxMode === 'none') logger.warn(SANDBOX_OFF_WARNING);
  else sandbox = await openSandbox(opts.path);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Only the server's user may enter it (an older data directory may be wider).
  fs.chmodSync(dataDir, 0o700);
  await assertPortFree(opts.host, opts.port);
  // --runtime kubernetes: the kubeconfig is read first, so a bad one stops the start with nothing running.
  const connected = opts.cluster ? await (await import('./server/open-cluster.ts')).connectCluster(opts.cluster) : null;
  // The embedded SQLite file, or PostgreSQL when --database names one (several servers can share it).
  // The PostgreSQL driver (pg) is loaded only when asked for: a SQLite server never pays its memory.
  // Every run's end is announced to runEnds (a followed run's log stream ends at once, not at its next poll).
  const runEnds = new RunEndSignal();
  // Every write of a run, environment or flag is told to the dashboard's streams (docs/decisions/0045).
  const changes = new ChangeFeed();
  const store = watchRunEnds(
    watchChanges(
      opts.database
        ? (await import('./store/postgres/open-postgres-store.ts')).openPostgresStore({ connectionString: opts.database })
        : openSqliteStore(path.join(dataDir, 'sluice.db')),
      changes,
      (m, e) => logger.error(m, e),
    ),
    runEnds,
  );
  await store.migrate();
  // Several servers sharing a PostgreSQL store hear each other's changes (docs/decisions/0052);
  // pg is loaded only then. After migrate(): the relay's channel is named after the schema.
  const relay = opts.database ? await (await import('./live/postgres/pg-change-relay.ts')).openPgChangeRelay({ connectionString: opts.database, feed: changes, logger }) : null;
  // The store holds every secret (sealed) and the audit trail: the server's user alone reads it.
  if (!opts.database) for (const suffix of ['', '-wal', '-shm']) chmodIfThere(path.join(dataDir, `sluice.db${suffix}`), 0o600);
  let dataPlane: DataPlaneClient | null = null;
  const { secrets, keyring, redact, rotateKey, masterKey } = await openSecrets(store, dataDir, opts.masterKey, opts.previousMasterKey, logger, async (next) => {
    await dataPlane?.request('POST', '/master-key', { key: next.toString('base64') });
  });
  // Every line the platform sees: its own SQLite file, so log volume never slows the state store.
  // Opened after the master key is checked: a server refused for its key creates nothing.
  const logs = await openLogs(dataDir, opts.logStore ?? defaultLogStorePolicy, logger, opts.database);
  await moveRunLogRows(store, logs.store, logger);

  const dpOptions = {
    dataDir,
    routerPort: opts.routerPort,
    routerHost: opts.routerHost,
    httpsPort: opts.httpsPort ?? null,
    binPath,
    env: ownChildEnv(),
    log: logger.info,
    start: opts.startDataPlane !== false,
    args: ['--log-format', opts.logFormat ?? 'text', '--sandbox', sandboxMode, '--log-max', String(opts.outputRotation?.maxBytes ?? defaultOutputRotation.maxBytes), '--log-keep', String(opts.outputRotation?.keep ?? defaultOutputRotation.keep)],
    instanceLogs: opts.instanceLogs,
    keepRouterPort: true,
  };
  // The data plane starts (or is found) while the rest of the server loads; awaited below.
  const dpStarting = ensureDataPlane(dpOptions);
  dpStarting.catch(() => {}); // a failure is thrown by the await below, not reported as unhandled
  const {
    createApi,
    ArtifactStore,
    systemClock,
    Deployer,
    Engine,
    newOwner,
    EdgeRouterClient,
    LocalRunner,
    ProcessRuntime,
    DataPlaneSupervisor,
    GitSource,
    defaultApiUrl,
    StatusNotifier,
    commitStateForRun,
    statusTargetOf,
    DomainClaims,
    CertificateManager,
    MetricRecorder,
    MetricsExposition,
    Notifier,
    defaultNotifierBackoff,
    ProjectNotifications,
    httpPoster,
    certificateFailedEvents,
    FlagService,
  } = await loadServing();
  // Built while the data plane starts (docs/decisions/0022): nothing below talks to it before
  // `await dpStarting`, and the API listens and the engine starts only after it.
  const dpClient = new DataPlaneClient(socketPathOf(dataDir));
  let certificates: CertificateManagerType | null = null;
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
    // The port asked for until the data plane answers with the one it serves (set below).
    routerPort: opts.routerPort,
    keepArtifacts: opts.keepArtifacts,
    keepReleases: opts.keepReleases ?? 5,
    runLogs: opts.runLogs ?? defaultRunLogPolicy,
  };
  const tracing = await openTracing(opts.tracing ?? null, { serviceVersion: opts.tracing ? packageVersion() : '', hostName: hostname, instanceId: config.owner }, (m) => logger.warn(m));
  if (opts.tracing) logger.info(`tracing: spans go to ${opts.tracing.url} (${opts.tracing.protocol})`);
  const artifacts = new ArtifactStore({ dir: path.join(dataDir, 'artifacts') });
  // Flag evaluation keys come from the master key (docs/decisions/0034); instances get theirs at start.
  const flagKeys = new FlagKeyMaker(masterKey);
  // --runtime kubernetes: the cluster's ports (client-node loaded only then); else processes behind the edge router.
  const cluster = connected
    ? connected.ports({
        dataDir,
        imageOf: async (r) => (await store.getRelease(r.project, r.environment, r.number))?.image ?? null,
        platformEnv: flagsEnvironment(dpClient, flagKeys),
        log: (line) => logger.info(line),
      })
    : null;
  const runtime: Runtime = cluster?.runtime ?? new ProcessRuntime(dpClient, artifacts, dataDir, flagsEnvironment(dpClient, flagKeys));
  const figures = opts.prometheus ? (await import('./server/open-prometheus-figures.ts')).openPrometheusFigures(opts.prometheus) : undefined;
  // What a deploy or a `sluice flag` change calls to make every evaluation endpoint serve the new flags.
  const flagPublisher: FlagPublisher = new DataPlaneFlagPublisher(dpClient, flagKeys);
  const router: Router = cluster?.router ?? new EdgeRouterClient(dpClient);
  const reads = trafficSources({ figures, router: cluster ? 'gateway' : 'edge' });
  if (reads.alerts.from === 'none') logger.warn(`alerts: errorRate, latency and requests alerts are not evaluated: ${reads.alerts.why} (restarts alerts are)`);
  if (reads.alerts.from === 'figures') logger.info('alerts: traffic figures come from Prometheus (--prometheus)');
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
  // Certificates (store and reconciler) come with helper "acme"'s certificate manager; until then
  // domains are claimed and routed, and provided certificates checked, but none is stored.
  // A deploy waits a bounded time for the pass (DomainClaims), which then goes on in the background.
  const reconciler = { reconcile: async (): Promise<void> => certificates?.reconcile() };
  const domains = new DomainClaims({ store, readSecret: (g, k) => secrets.readInternal(g, k), sealer: keyring, certificates: store, reconciler, clock: systemClock, warn: (m) => logger.warn(m) });
  // Events are counted in plain memory; prom-client loads with the first scrape (src/metrics).
  const metrics = new MetricRecorder();
  const eventLog = new EventLog(store, systemClock, logger);
  eventLog.subscribe((e) => void changes.publish({ kind: 'event', project: e.project, environment: e.environment, event: { kind: e.kind, summary: e.summary, seq: e.seq } }));
  // The sparklines' history: one sampler of the router's counters for the whole server.
  const trafficCollector = new TrafficCollector({ router, runtime });
  const traffic = new TrafficHistory({ collect: () => trafficCollector.collect(), onSample: (project, samples) => void changes.publish({ kind: 'traffic', project, samples }), logError: (m, e) => logger.warn(`${m}: ${errorMessage(e)}`) });
  const { flags, rollouts: flagRolloutService, driver: flagRollouts } = openFlags({
    FlagService, store, clock: systemClock, logger, publisher: flagPublisher, figures: router, events: eventLog,
    ...(reads.flagRolloutsRefused !== undefined ? { rolloutsRefused: reads.flagRolloutsRefused } : {}),
    lease: { owner: config.owner, hostname, leaseMs: config.leaseMs },
  });
  const deployer = new Deployer({ store, runtime, router, clock: systemClock, config, logger, artifactExists: (d) => artifacts.has(d), secrets, domains, metrics, events: logs.ingest, eventLog, flags, ...(figures ? { figures } : {}) });
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
  // The registry client (and its zod schemas of OCI manifests) loads only with --registry.
  const images = opts.registry ? (await import('./server/open-image-publisher.ts')).openImagePublisher(opts.registry, (g, k) => secrets.readInternal(g, k)) : undefined;
  const engine = new Engine({ store, runner: new LocalRunner({ sandbox }), artifacts, ...(images ? { images } : {}), sourceOf, deployer, router, clock: systemClock, config, secrets, redact, onRunState, tracing, metrics, logs: logs.runLogs, eventLog }, logger);

  const publicUrl = opts.publicUrl ? opts.publicUrl.replace(/\/+$/, '') : null;
  // Certificates are ordered only where HTTPS is served: without --https-port nothing would use
  // them, and a development server must not ask a public CA for every domain it is shown.
  const onCertificateFailed = (failure: CertificateFailure): void => {
    void store.listDomainClaims().then(
      async (claims) => {
        for (const event of certificateFailedEvents(failure, claims)) await eventLog.emit(event);
      },
      (e: unknown) => logger.warn(`certificate.failed not recorded: ${errorMessage(e)}`),
    );
  };
  if (opts.httpsPort != null) certificates = new CertificateManager({ claims: store, store, dataPlane: dpClient, sealer: keyring, acme: opts.acme ?? defaultAcmeSettings, publicUrl, logger, onFailed: onCertificateFailed });
  // Notifications: the outbox in the store, fed by the event log; links use the public URL.
  const projectNotifications = new ProjectNotifications({ store, secrets, sealer: keyring, now: () => systemClock.now() });
  const outbox = new Notifier({
    records: store,
    eventLog,
    targetsOf: (p) => projectNotifications.targetsOf(p),
    signingSecretOf: (p) => projectNotifications.signingSecretOf(p),
    resolveUrl: (p, u) => projectNotifications.resolveUrl(p, u),
    post: httpPoster({ denyPrivate: opts.notifyDenyPrivate === true, timeoutMs: 10_000 }),
    links: (event) => (event.run ? { run: `${publicUrl ?? url}/api/runs/${event.run.id}` } : {}),
    clock: systemClock,
    owner: config.owner,
    logger,
    backoff: { ...defaultNotifierBackoff, initialMs: opts.notifyRetryMs ?? defaultNotifierBackoff.initialMs },
  });

  // Alerts watch the data plane's own figures (or Prometheus's: traffic-sources.ts); their rollbacks go through the deployer's (src/engine/alerts).
  const alerts = new AlertEvaluator({
    store, router, runtime, clock: systemClock, naming: config, logger, eventLog, traffic: reads.alerts,
    rollback: (project, environment, actor, why) => deployer.rollback(project, environment, undefined, actor, { cause: actor, reason: why, failReplaced: true }),
    wakeRollout: (id) => deployer.wakeRollout(id),
    // One server evaluates when several share a PostgreSQL store (docs/decisions/0035).
    lease: new SingletonLease({ store, clock: systemClock, name: 'alerts', owner: config.owner, hostname, leaseMs: config.leaseMs }),
  });
  const watchedAlerts = new WatchedEnvironments(store, config);
  const tokens = new TokenService({ store, clock: systemClock });
  const sessions = new SessionService({ store, clock: systemClock, tokens, policy: opts.sessions ?? defaultSessionPolicy });
  let dpSupervisor: { stop(): void } | null = null;
  // A wildcard address is reached through loopback from this machine (and is not a Host the API answers for).
  const localHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let url = `http://${localHost}:${opts.port}`;
  // Loaded only with --oidc-issuer (openid-client is held by no other server).
  const oidc = opts.oidc
    ? (await import('./server/open-oidc.ts')).openOidc(opts.oidc, {
        masterKey,
        readSecret: (group, key) => secrets.readInternal(group, key),
        apiBase: () => publicUrl ?? url,
        logger,
      })
    : null;
  const { app } = createApi(
    {
      engine,
      deployer,
      secretApi: { secrets, rotateKey },
      domainApi: {
        assertProject: async (name) => void (await engine.project(name)),
        claims: (project) => store.listDomainClaims({ project }),
        certificateOf: async (domains) => (await store.getCertificate(certificateId(domains))) ?? null,
      },
      alertApi: {
        assertProject: async (name) => void (await engine.project(name)),
        views: (project, environment) => alertViews(watchedAlerts, alerts, project, environment),
      },
      notificationApi: {
        assertProject: async (name) => void (await engine.project(name)),
        deliveries: (project, limit, environments) => store.listDeliveries(project, limit, environments),
        signingSecretOf: (project) => projectNotifications.signingSecretOf(project),
      },
      auditTrail: new AuditTrail(store, systemClock),
      metricsApi: new MetricsExposition({ recorder: metrics, store, router, runtime, version: packageVersion(), logs: logs.ingest, events: { listEvents: (filter) => eventLog.list(filter) }, warn: (m) => logger.warn(m) }),
      flagApi: {
        assertEnvironment: async (project, environment) => {
          await engine.project(project);
          const env = await store.getEnvironment(project, environment);
          if (!env || env.state === 'removed') throw new NotFoundError('environment', environment, `not in ${project}: sluice status ${project}`);
        },
        flags,
        rollouts: flagRolloutService,
      },
      renderApi: {
        assertProject: (name) => engine.project(name),
        releases: (project, environment) => engine.releases(project, environment),
        rollout: async (project, environment) => (await store.latestRollout(project, environment)) ?? null,
        naming: config,
        ...(opts.cluster ? { gateway: opts.cluster.gateway } : {}),
      },
      doraApi: {
        assertProject: (name) => engine.project(name),
        listEvents: (filter) => eventLog.list(filter),
        environments: async (project) => (await store.listEnvironments(project)).map((e) => e.name),
        now: () => systemClock.now(),
      },
      backupApi: backupApi(store, logs, dataDir, opts.masterKey !== undefined ? "the server's SLUICE_MASTER_KEY environment variable" : masterKeyFileOf(dataDir)),
      flagKeyApi: { assertProject: async (name) => void (await engine.project(name)), clientKey: (project, env) => flagKeys.key('client', project, env) },
      liveApi: { feed: changes, traffic, assertProject: async (name) => void (await engine.project(name)) },
      logApi: { store: logs.store, appends: logs.ingest, runEnds, health: () => logs.ingest.status(), logError: (m, e) => logger.error(m, e), ...(opts.logHeartbeatMs === undefined ? {} : { heartbeatMs: opts.logHeartbeatMs }) },
      ...(oidc ? { oidcApi: oidc.api } : {}),
      apiBase: () => publicUrl ?? url,
      onShutdownDataPlane: async () => {
        dpSupervisor?.stop();
        await alerts.stop();
        await flagRollouts.stop();
        await engine.stop();
        await dpClient.request('POST', '/shutdown').catch(() => {});
      },
    },
    {
      logErrors: (m, e) => logger.error(m, e),
      warn: (m) => logger.warn(m),
      tokens,
      sessions,
      authConfig: () => ({ oidc: oidc !== null }),
      webRoot: path.join(packageRoot(), 'dist', 'web'),
      hosts: servedHosts(opts.host, publicUrl),
      publicOrigin: publicUrl ? new URL(publicUrl).origin.toLowerCase() : null,
      failureLimit: { ...defaultFailureLimit, max: opts.authFailuresPerMinute ?? defaultFailureLimit.max },
      tracing,
    },
  );
  const dp = await dpStarting;
  config.routerPort = dp.routerPort;
  dataPlane = dp.client;
  // A data plane adopted from before a key rotation by restart (SLUICE_PREVIOUS_MASTER_KEY) still
  // seals under the old key: give it the current one, or it could not reopen its state later.
  const giveKey = (): Promise<void> =>
    dp.client.request('POST', '/master-key', { key: masterKey.toString('base64') }).then(
      () => {},
      (e: unknown) => logger.warn(`the data plane did not take the master key: ${errorMessage(e)}`),
    );
  await giveKey();
  // The same socket serves the restarted data plane: the clients above stay valid.
  // A restarted data plane gets its certificates from its sealed state; the pass checks that and fills any gap.
  dpSupervisor = new DataPlaneSupervisor(dp, {
    ...dpOptions,
    onBack: async () => {
      await giveKey();
      void certificates?.reconcile();
    },
  });
  const adminTokenFile = await ensureAdminToken(store, tokens, dataDir, systemClock.now());
  if (adminTokenFile) logger.info(`admin token written to ${adminTokenFile} (mode 0600): sign the CLI in with  sluice login < ${adminTokenFile}`);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  if (address && typeof address === 'object') url = `http://${localHost}:${address.port}`; // --port 0 picks a free port
  await engine.start();
  alerts.start();
  oidc?.start();
  flagRollouts.start();
  traffic.start();
  // The data plane may have lost what it served (a new machine, a wiped state): every environment's flags again.
  void flags.republishAll(async (p, e) => ((await store.getEnvironment(p, e))?.state ?? 'removed') !== 'removed').then(
    (n) => n > 0 && logger.info(`flags of ${n} environment(s) published`),
    (e: unknown) => logger.warn(`flags not published at start: ${errorMessage(e)}`),
  );
  const apiPort = address && typeof address === 'object' ? address.port : opts.port;
  if (publicUrl?.startsWith('https:') && opts.httpsPort != null) {
    // The router forwards the API's public name to the API; its certificate is ordered like any domain's.
    await dp.client.request('PUT', `/routes/${encodeURIComponent(new URL(publicUrl).hostname)}`, { backends: [], forward: { port: apiPort } });
  }
  certificates?.start();
  outbox.start();
  logger.info(`sluice server: API on ${url}, router on ${opts.routerHost}:${dp.routerPort}, data in ${dataDir}`);
  return {
    url,
    routerPort: dp.routerPort,
    engine,
    flagPublisher,
    async close() {
      oidc?.stop();
      certificates?.stop();
      dpSupervisor?.stop();
      traffic.stop();
      await app.close();
      await relay?.close();
      await alerts.stop();
      await flagRollouts.stop();
      await outbox.stop();
      await engine.stop();
      await cluster?.runtime.close();
      await notifier.close();
      // After the engine stopped: the spans of stages it interrupted are in the last batch.
      await tracing.shutdown(tracingFlushMs);
      await logs.close();
      await store.close();
    },
  };
}
