import type { Command } from 'commander';
import { defaultLogStorePolicy } from '../../logs/log-store-policy.ts';
import { formatDuration, parseDuration } from '../../spec/duration.ts';
import { defaultSessionPolicy } from '../../auth/session-service.ts';
import { formatSize, parseSize } from '../../spec/size.ts';
import { defaultInstanceLogPolicy } from '../../dataplane/instance-log-policy.ts';
import { defaultRunLogPolicy } from '../../engine/run-log-policy.ts';
import { defaultOutputRotation, startOutputRotation, type OutputRotation } from '../../server/rotate-own-output.ts';
import type { CliContext } from '../context.ts';
import type { Logger } from '../../engine/logger.ts';
import { errorMessage } from '../../errors.ts';
import { parseSandboxMode } from '../../sandbox/open-sandbox.ts';
import { letsEncryptProduction, letsEncryptStaging } from '../../certificates/acme-settings.ts';
import { acmeSettingsOf, type AcmeFlags } from '../../config/acme-options.ts';
import { defaultOidcClaim, defaultOidcScope, defaultOidcSessionMax, oidcSettingsOf, type OidcFlags } from '../../config/oidc-options.ts';
import { tracingConfigOf } from '../../tracing/tracing-config.ts';
import { clusterSettingsOf, prometheusSettingsOf, type ClusterFlags } from '../../config/cluster-options.ts';
import { promqlPresets } from '../../metrics/promql/promql-presets.ts';

export interface ServerFlags extends AcmeFlags, OidcFlags, ClusterFlags {
  registry?: string;
  registryCredentials?: string;
  data?: string;
  host: string;
  port: string;
  routerPort: string;
  routerHost: string;
  httpsPort?: string;
  baseDomain: string;
  maxRuns: string;
  pollInterval: string;
  keepArtifacts: string;
  keepReleases: string;
  instanceLogMax: string;
  instanceLogAge: string;
  runLogStepMax: string;
  runLogKeep: string;
  runLogAge: string;
  logStoreMax: string;
  logStoreProjectMax: string;
  logStoreAge: string;
  logMax: string;
  logKeep: string;
  database?: string;
  logFormat: string;
  /** Commander's negation of --no-start-data-plane. */
  startDataPlane: boolean;
  publicUrl?: string;
  authFailures: string;
  sessionIdle: string;
  sessionMaxAge: string;
  sandbox: string;
  notifyDenyPrivate?: boolean;
  notifyRetry: string;
}

export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function registryOf(flags: ServerFlags): { url: string; credentialsGroup: string | null } | null {
  if (flags.registry === undefined) {
    if (flags.registryCredentials !== undefined) throw new Error('--registry-credentials needs --registry URL');
    return null;
  }
  return { url: urlOption('--registry', flags.registry).replace(/\/+$/, ''), credentialsGroup: flags.registryCredentials ?? null };
}

export function urlOption(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value;
}

/** A byte size of at least `min` (a smaller cap could not hold one line). */
export function sizeOption(name: string, value: string, min: number): number {
  let n: number;
  try {
    n = parseSize(value);
  } catch (error) {
    throw new Error(`${name}: ${errorMessage(error)}`);
  }
  if (n < min) throw new Error(`${name} must be at least ${formatSize(min)}, got ${JSON.stringify(value)}`);
  return n;
}

/** A positive duration that a timer can hold (at most 10 years, compared, never scheduled). */
/** --notify-retry: 10ms (tests) to 1h. */
function retryOption(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new Error(`--notify-retry: ${errorMessage(error)}`);
  }
  if (ms < 10 || ms > 3_600_000) throw new Error(`--notify-retry must be from 10ms to 1h, got ${JSON.stringify(value)}`);
  return ms;
}

export function durationOption(name: string, value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new Error(`${name}: ${errorMessage(error)}`);
  }
  if (ms < 1000 || ms > 3650 * 86_400_000) throw new Error(`${name} must be from 1s to 3650d, got ${JSON.stringify(value)}`);
  return ms;
}

function outputRotationOf(flags: { logMax: string; logKeep: string }): OutputRotation {
  return { maxBytes: sizeOption('--log-max', flags.logMax, 64 * 1024), keep: intOption('--log-keep', flags.logKeep, 0, 100) };
}

export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (SQLite file, artifacts, logs)')
    .option('--host <host>', 'API address (beyond loopback: every call needs a token; put TLS in front, see README "Trust")', '127.0.0.1')
    .option('--public-url <url>', 'the URL the API is reached at from elsewhere (webhook URLs; its host is answered besides loopback)')
    .option('--auth-failures <n>', 'failed authentications per source address per minute before 429', '30')
    .option('--session-idle <duration>', 'a dashboard session unused this long ends', formatDuration(defaultSessionPolicy.idleMs))
    .option('--session-max-age <duration>', 'a dashboard session ends this long after sign-in', formatDuration(defaultSessionPolicy.maxAgeMs))
    .option('--port <n>', 'API port', '7070')
    .option('--router-port <n>', 'edge router port', '8080')
    .option('--router-host <host>', 'edge router address', '127.0.0.1')
    .option('--https-port <n>', 'edge router HTTPS port (h2 and http/1.1, certificates by SNI); absent: no HTTPS')
    .option('--acme-directory <url>', `ACME directory certificates are ordered from (Let's Encrypt staging: ${letsEncryptStaging})`, letsEncryptProduction)
    .option('--acme-email <email>', "contact address of the ACME account (the CA's expiry notices)")
    .option('--acme-ca-bundle <file>', "PEM of CAs trusted for the ACME directory's own HTTPS, besides the system's (private CAs, test servers)")
    .option('--oidc-issuer <url>', 'single sign-on: the OpenID provider (its issuer URL); register <public-url>/api/auth/oidc/callback as the redirect URI')
    .option('--oidc-client-id <id>', 'single sign-on: the client ID registered at the provider')
    .option('--oidc-client-secret <group/key>', 'single sign-on: the secret group and key holding the client secret (sluice secret set GROUP KEY)')
    .option('--oidc-claim <name>', `single sign-on: the claim whose values (groups) --oidc-role-map maps (default ${defaultOidcClaim})`)
    .option('--oidc-role-map <map>', 'single sign-on: GROUP=ROLE[:PROJECTS[:ENVIRONMENTS]],… e.g. "sluice-admins=admin,shop-team=deployer:shop" (names joined by "+"; the highest role wins; a user without a mapped group is refused)')
    .option('--oidc-scope <scopes>', `single sign-on: the scopes asked for (default "${defaultOidcScope}")`)
    .option('--oidc-session-max <duration>', `single sign-on: a session ends this long after sign-in at the latest (default ${defaultOidcSessionMax})`)
    .option('--base-domain <domain>', 'environments answer at ENV.PROJECT.DOMAIN', 'localhost')
    .option('--max-runs <n>', 'runs executing at once', '2')
    .option('--poll-interval <duration>', 'how often tracked branches are polled', '2s')
    .option('--keep-artifacts <n>', 'newest artifacts kept beyond those of kept releases and unfinished runs', '20')
    .option('--keep-releases <n>', 'releases kept per environment (artifact and files) beyond the live, previous and rollback target', '5')
    .option('--instance-log-max <size>', 'instance logs kept per environment, split among its instances', formatSize(defaultInstanceLogPolicy.maxBytesPerEnvironment))
    .option('--instance-log-age <duration>', 'instance log files older than this are removed', formatDuration(defaultInstanceLogPolicy.maxAgeMs))
    .option('--run-log-step-max <size>', 'output kept per step of a run; the rest is cut with a note', formatSize(defaultRunLogPolicy.stepMaxBytes))
    .option('--run-log-keep <n>', 'runs per project whose logs are kept (older runs stay, without their lines)', String(defaultRunLogPolicy.keepRuns))
    .option('--run-log-age <duration>', 'run logs older than this are removed (the runs stay)', formatDuration(defaultRunLogPolicy.maxAgeMs))
    .option('--log-store-max <size>', 'the log database (<data>/logs.db: run output, deploy events, instance output) is kept within this size', formatSize(defaultLogStorePolicy.maxBytesTotal))
    .option('--log-store-project-max <size>', 'log lines kept per project (the oldest go first)', formatSize(defaultLogStorePolicy.maxBytesPerProject))
    .option('--log-store-age <duration>', 'log lines older than this are removed', formatDuration(defaultLogStorePolicy.maxAgeMs))
    .option('--database <url>', 'postgres://… to keep the state in PostgreSQL (default: SQLite in the data directory)')
    .option('--log-format <format>', 'text or json (one JSON object per line, for journald and log collectors)', 'text')
    .option('--log-max <size>', 'a log file (<data>/logs/dataplane.log, or the server\'s stdout appended to a file) is rotated at this size', formatSize(defaultOutputRotation.maxBytes))
    .option('--log-keep <n>', 'rotated log files kept (FILE.1 … FILE.n)', String(defaultOutputRotation.keep))
    .option('--notify-deny-private', 'refuse notification targets on loopback, private and link-local addresses (checked on the address connected to, against SSRF)')
    .option('--notify-retry <duration>', 'first retry of a failed notification after this long, doubling (with jitter) up to 1h; given up after 24h', '1s')
    .option('--no-start-data-plane', 'never start the data plane: wait for the one its own service starts, and adopt it')
    .option('--registry <url>', 'OCI registry the images of projects with `image:` are pushed to, as PROJECT:rN (http:// for a loopback registry)')
    .option('--registry-credentials <group>', 'secret group with the keys username and password for --registry (Basic, or for its token service)')
    .option('--runtime <runtime>', 'process: releases run as processes behind the built-in router; kubernetes: on a cluster (--kubeconfig) behind a Gateway (--gateway)', 'process')
    .option('--kubeconfig <file>', 'with --runtime kubernetes: the cluster to deploy to (its current context)')
    .option('--gateway <namespace/name>', 'with --runtime kubernetes: the Gateway API Gateway the HTTPRoutes attach to')
    .option('--prometheus <url>', 'canary analysis and alerts read their traffic figures from this Prometheus (default: from the router)')
    .option('--prometheus-preset <name>', `metric names for --prometheus: ${Object.keys(promqlPresets).join(', ')} (default: sluice; envoy-gateway with --runtime kubernetes)`)
    .option('--sandbox <mode>', 'bwrap: steps and instances run inside bubblewrap (recommended; refuses to start where it cannot run); none: unsandboxed, warned about (the default for now: docs/decisions/0016)', 'none');
}

export async function launchServer(ctx: CliContext, flags: ServerFlags): Promise<Awaited<ReturnType<typeof import('../../server.ts').startServer>> & { logger: Logger }> {
  const { startServer } = await import('../../server.ts');
  const { createLogger, parseLogFormat } = await import('../../server/create-logger.ts');
  const logFormat = parseLogFormat(flags.logFormat);
  const logger = await createLogger(logFormat, 'server');
  const server = await startServer({
    dataDir: flags.data ?? ctx.env.dataDir,
    host: flags.host,
    port: intOption('--port', flags.port, 1, 65535),
    routerPort: intOption('--router-port', flags.routerPort, 0, 65535),
    routerHost: flags.routerHost,
    httpsPort: flags.httpsPort === undefined ? null : intOption('--https-port', flags.httpsPort, 0, 65535),
    baseDomain: flags.baseDomain.toLowerCase(),
    maxRuns: intOption('--max-runs', flags.maxRuns, 1, 64),
    pollIntervalMs: parseDuration(flags.pollInterval),
    keepArtifacts: intOption('--keep-artifacts', flags.keepArtifacts, 0, 100000),
    keepReleases: intOption('--keep-releases', flags.keepReleases, 0, 100000),
    instanceLogs: { ...defaultInstanceLogPolicy, maxBytesPerEnvironment: sizeOption('--instance-log-max', flags.instanceLogMax, 64 * 1024), maxAgeMs: durationOption('--instance-log-age', flags.instanceLogAge) },
    runLogs: {
      stepMaxBytes: sizeOption('--run-log-step-max', flags.runLogStepMax, 1024),
      keepRuns: intOption('--run-log-keep', flags.runLogKeep, 1, 1_000_000),
      maxAgeMs: durationOption('--run-log-age', flags.runLogAge),
    },
    logStore: {
      maxBytesTotal: sizeOption('--log-store-max', flags.logStoreMax, 1024 * 1024),
      maxBytesPerProject: sizeOption('--log-store-project-max', flags.logStoreProjectMax, 64 * 1024),
      maxAgeMs: durationOption('--log-store-age', flags.logStoreAge),
    },
    path: ctx.env.path,
    home: ctx.env.home,
    masterKey: ctx.env.masterKey,
    previousMasterKey: ctx.env.previousMasterKey,
    database: flags.database ?? ctx.env.database,
    startDataPlane: flags.startDataPlane,
    sandbox: parseSandboxMode(flags.sandbox),
    logFormat,
    outputRotation: outputRotationOf(flags),
    publicUrl: flags.publicUrl === undefined ? null : urlOption('--public-url', flags.publicUrl),
    authFailuresPerMinute: intOption('--auth-failures', flags.authFailures, 1, 1_000_000),
    sessions: { idleMs: durationOption('--session-idle', flags.sessionIdle), maxAgeMs: durationOption('--session-max-age', flags.sessionMaxAge) },
    acme: acmeSettingsOf(flags),
    oidc: oidcSettingsOf(flags),
    tracing: tracingConfigOf(ctx.env.otel),
    notifyDenyPrivate: flags.notifyDenyPrivate === true,
    notifyRetryMs: retryOption(flags.notifyRetry),
    registry: registryOf(flags),
    cluster: clusterSettingsOf(flags),
    prometheus: prometheusSettingsOf(flags),
  }, logger);
  startOutputRotation(outputRotationOf(flags), (line) => logger.warn(line));
  return { ...server, logger };
}

/** Stops gracefully on SIGTERM/SIGINT: runs in progress are handed back; the data plane keeps serving. */
export function stopOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.info(`${signal}: stopping the control plane (the data plane keeps serving)`);
    close()
      .then(() => process.exit(0))
      .catch((e) => {
        logger.error('stopping', e);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function serverCommand(program: Command, ctx: CliContext): void {
  addServerOptions(program.command('server').description('run the control plane (API, engine) and start or adopt the data plane (router, instances)')).action(
    async (flags: ServerFlags) => {
      const server = await launchServer(ctx, flags);
      stopOnSignals(() => server.close(), server.logger);
    },
  );
  program
    .command('dataplane', { hidden: true })
    .description('the long-lived data plane (started by the server)')
    .requiredOption('--data <dir>')
    .option('--router-port <n>', 'router port', '8080')
    .option('--router-host <host>', 'router address', '127.0.0.1')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--instance-log-max <size>', 'instance logs kept per environment', formatSize(defaultInstanceLogPolicy.maxBytesPerEnvironment))
    .option('--instance-log-age <duration>', 'instance log files older than this are removed', formatDuration(defaultInstanceLogPolicy.maxAgeMs))
    .option('--router-fd <n>', 'serve the router on this inherited, already listening socket (set by the server)')
    .option('--https-port <n>', 'router HTTPS port; absent: no HTTPS listener')
    .option('--https-fd <n>', 'serve HTTPS on this inherited, already listening socket (set by the server)')
    .option('--flags-port <n>', 'OFREP flag evaluation on 127.0.0.1 (SLUICE_FLAGS_URL); default: the port kept in <data>/dataplane/flags-port, else a free one')
    .option('--log-max <size>', 'the file stdout appends to is rotated at this size', formatSize(defaultOutputRotation.maxBytes))
    .option('--log-keep <n>', 'rotated log files kept', String(defaultOutputRotation.keep))
    .option('--sandbox <mode>', 'bwrap or none (the server passes its own)', 'none')
    .action(async (flags: { data: string; routerPort: string; routerHost: string; logFormat: string; instanceLogMax: string; instanceLogAge: string; routerFd?: string; httpsPort?: string; httpsFd?: string; flagsPort?: string; logMax: string; logKeep: string; sandbox: string }) => {
      const { runDataPlane } = await import('../../dataplane/run-data-plane.ts');
      const { createLogger, parseLogFormat } = await import('../../server/create-logger.ts');
      const logger = await createLogger(parseLogFormat(flags.logFormat), 'dataplane');
      const { loadMasterKey, parseKeyText } = await import('../../secrets/keyring.ts');
      const { masterKeyFileOf } = await import('../../server/open-secrets.ts');
      // The server created the key (or it comes from SLUICE_MASTER_KEY) before it started us.
      const masterKey = loadMasterKey({ envValue: ctx.env.masterKey, keyFile: masterKeyFileOf(flags.data) }).key;
      await runDataPlane({
        dataDir: flags.data,
        routerPort: intOption('--router-port', flags.routerPort, 0, 65535),
        routerHost: flags.routerHost,
        ...(flags.routerFd === undefined ? {} : { routerFd: intOption('--router-fd', flags.routerFd, 3, 1024) }),
        ...(flags.httpsPort === undefined ? {} : { httpsPort: intOption('--https-port', flags.httpsPort, 0, 65535) }),
        ...(flags.httpsFd === undefined ? {} : { httpsFd: intOption('--https-fd', flags.httpsFd, 3, 1024) }),
        ...(flags.flagsPort === undefined ? {} : { flagsPort: intOption('--flags-port', flags.flagsPort, 0, 65535) }),
        path: ctx.env.path,
        home: ctx.env.home,
        masterKey,
        previousMasterKeys: ctx.env.previousMasterKey ? [parseKeyText(ctx.env.previousMasterKey, 'SLUICE_PREVIOUS_MASTER_KEY')] : [],
        logger,
        instanceLogs: { ...defaultInstanceLogPolicy, maxBytesPerEnvironment: sizeOption('--instance-log-max', flags.instanceLogMax, 64 * 1024), maxAgeMs: durationOption('--instance-log-age', flags.instanceLogAge) },
        outputRotation: outputRotationOf(flags),
        sandbox: parseSandboxMode(flags.sandbox),
      });
    });
  program
    .command('down')
    .description('stop the data plane and every instance (the server keeps its state)')
    .option('--data <dir>', 'talk to the data plane of this data directory directly (no server needed)')
    .action(async (o: { data?: string }, cmd: Command) => {
      if (o.data) {
        const { DataPlaneClient } = await import('../../dataplane/data-plane-client.ts');
        const { socketPathOf } = await import('../../dataplane/data-plane-paths.ts');
        await new DataPlaneClient(socketPathOf(o.data)).request('POST', '/shutdown');
      } else {
        await ctx.api(cmd).post('/api/dataplane/shutdown');
      }
      console.log('data plane stopping: every instance is being ended');
    });
}
