import type { Command } from 'commander';
import { parseDuration } from '../../spec/duration.ts';
import type { CliContext } from '../context.ts';
import { errorMessage } from '../../errors.ts';

export interface ServerFlags {
  data?: string;
  host: string;
  port: string;
  routerPort: string;
  routerHost: string;
  baseDomain: string;
  maxRuns: string;
  pollInterval: string;
  keepArtifacts: string;
  database?: string;
}

export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (SQLite file, artifacts, logs)')
    .option('--host <host>', 'API address', '127.0.0.1')
    .option('--port <n>', 'API port', '7070')
    .option('--router-port <n>', 'edge router port', '8080')
    .option('--router-host <host>', 'edge router address', '127.0.0.1')
    .option('--base-domain <domain>', 'environments answer at ENV.PROJECT.DOMAIN', 'localhost')
    .option('--max-runs <n>', 'runs executing at once', '2')
    .option('--poll-interval <duration>', 'how often tracked branches are polled', '2s')
    .option('--keep-artifacts <n>', 'artifacts kept beyond those releases reference', '20')
    .option('--database <url>', 'postgres://… to keep the state in PostgreSQL (default: SQLite in the data directory)');
}

export async function launchServer(ctx: CliContext, flags: ServerFlags): Promise<Awaited<ReturnType<typeof import('../../server.ts').startServer>>> {
  const { startServer } = await import('../../server.ts');
  return startServer({
    dataDir: flags.data ?? ctx.env.dataDir,
    host: flags.host,
    port: intOption('--port', flags.port, 1, 65535),
    routerPort: intOption('--router-port', flags.routerPort, 0, 65535),
    routerHost: flags.routerHost,
    baseDomain: flags.baseDomain.toLowerCase(),
    maxRuns: intOption('--max-runs', flags.maxRuns, 1, 64),
    pollIntervalMs: parseDuration(flags.pollInterval),
    keepArtifacts: intOption('--keep-artifacts', flags.keepArtifacts, 0, 100000),
    path: ctx.env.path,
    home: ctx.env.home,
    masterKey: ctx.env.masterKey,
    previousMasterKey: ctx.env.previousMasterKey,
    database: flags.database ?? ctx.env.database,
  });
}

/** Stops gracefully on SIGTERM/SIGINT: runs in progress are handed back; the data plane keeps serving. */
export function stopOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: stopping the control plane (the data plane keeps serving)`);
    close()
      .then(() => process.exit(0))
      .catch((e) => {
        console.error(`stopping: ${errorMessage(e)}`);
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
      stopOnSignals(() => server.close());
    },
  );
  program
    .command('dataplane', { hidden: true })
    .description('the long-lived data plane (started by the server)')
    .requiredOption('--data <dir>')
    .option('--router-port <n>', 'router port', '8080')
    .option('--router-host <host>', 'router address', '127.0.0.1')
    .option('--router-fd <n>', 'serve the router on this inherited, already listening socket (set by the server)')
    .action(async (flags: { data: string; routerPort: string; routerHost: string; routerFd?: string }) => {
      const { runDataPlane } = await import('../../dataplane/run-data-plane.ts');
      const { loadMasterKey, parseKeyText } = await import('../../secrets/keyring.ts');
      const { masterKeyFileOf } = await import('../../server/open-secrets.ts');
      // The server created the key (or it comes from SLUICE_MASTER_KEY) before it started us.
      const masterKey = loadMasterKey({ envValue: ctx.env.masterKey, keyFile: masterKeyFileOf(flags.data) }).key;
      await runDataPlane({
        dataDir: flags.data,
        routerPort: intOption('--router-port', flags.routerPort, 0, 65535),
        routerHost: flags.routerHost,
        ...(flags.routerFd === undefined ? {} : { routerFd: intOption('--router-fd', flags.routerFd, 3, 1024) }),
        path: ctx.env.path,
        home: ctx.env.home,
        masterKey,
        previousMasterKeys: ctx.env.previousMasterKey ? [parseKeyText(ctx.env.previousMasterKey, 'SLUICE_PREVIOUS_MASTER_KEY')] : [],
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
