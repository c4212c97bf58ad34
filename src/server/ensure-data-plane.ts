// Finds the data plane of a data directory, or starts one. A data plane that answers is
// adopted (never started twice); a new one is a detached process that outlives this server.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage, RuntimeError } from '../errors.ts';
import { readLinesBackward } from '../fs/read-lines-backward.ts';
import { DataPlaneClient } from '../dataplane/data-plane-client.ts';
import { dataPlaneLogPath, socketPathOf } from '../dataplane/data-plane-paths.ts';
import type { InstanceLogPolicy } from '../dataplane/instance-log-policy.ts';
import { Backoff } from '../runtime/process/backoff.ts';
import { httpsFd, RouterPortKeeper, routerFd } from './router-port-keeper.ts';

/**
 * V8 flags of the data plane. It idles most of its life: a 1 MiB young generation (instead of up to
 * 16 MiB grown during start-up and never given back) keeps it about 7 MiB smaller; bench/startup.ts.
 * `--liftoff-only`: WebAssembly stays in V8's baseline compiler. The only WebAssembly here is
 * undici's HTTP parser (llhttp), compiled at the router's first upstream connection; its TurboFan
 * tier-up took ~36 MiB of malloc on Node 20, of which ~10 MiB stayed resident for good
 * (docs/decisions/0037-data-plane-wasm-baseline-and-deploy-waits.md).
 */
export const DATA_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--liftoff-only'];

export interface EnsureDataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost: string;
  /** The router's HTTPS port (same host); absent or null: no HTTPS listener. */
  httpsPort?: number | null;
  /** The `sluice` entry script, started with this Node.js as `sluice dataplane`. */
  binPath: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /**
   * False when something else starts the data plane (its own systemd unit): the server only
   * waits for it to answer, up to `waitMs`, and never starts a second one.
   */
  start?: boolean;
  waitMs?: number;
  /** Extra arguments of `sluice dataplane` (e.g. the log format). */
  args?: string[];
  /** Instance log caps for a data plane started here. */
  instanceLogs?: InstanceLogPolicy;
  /**
   * Start the data plane through a RouterPortKeeper (this one while it lives, else a new one),
   * so its router port stays open across its restarts.
   */
  keepRouterPort?: boolean;
  keeper?: RouterPortKeeper | null;
}

/** The last `count` lines written at or after byte `start`, read from the end (the log may be large). */
async function lastLinesSince(file: string, start: number, count: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const { text, end } of readLinesBackward(file)) {
    if (end <= start || lines.length === count) break;
    if (text.trim()) lines.unshift(text.trim());
  }
  return lines;
}

export interface FoundDataPlane {
  client: DataPlaneClient;
  routerPort: number;
  adopted: boolean;
  pid: number;
  /** Resolves when the data plane this server spawned exits (never, for an adopted one: watch its pid). */
  exited: Promise<string>;
  /** The keeper of the router port that started it, if any. */
  keeper: RouterPortKeeper | null;
}

export async function ensureDataPlane(opts: EnsureDataPlaneOptions): Promise<FoundDataPlane> {
  const client = new DataPlaneClient(socketPathOf(opts.dataDir));
  const running = await client.health();
  if (running) {
    if (running.routerPort !== opts.routerPort) opts.log(`the running data plane serves the router on port ${running.routerPort} (not ${opts.routerPort}); keeping it`);
    opts.log(`adopted the running data plane (pid ${running.pid}, router port ${running.routerPort})`);
    return { client, routerPort: running.routerPort, adopted: true, pid: running.pid, exited: new Promise<string>(() => {}), keeper: opts.keeper ?? null };
  }
  if (opts.start === false) return waitForDataPlane(client, opts);
  const logFile = dataPlaneLogPath(opts.dataDir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const start = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const logArgs = opts.instanceLogs ? ['--instance-log-max', String(opts.instanceLogs.maxBytesPerEnvironment), '--instance-log-age', `${opts.instanceLogs.maxAgeMs}ms`] : [];
  const https = opts.httpsPort ?? null;
  const args = [
    ...DATA_PLANE_NODE_FLAGS, opts.binPath, 'dataplane', '--data', opts.dataDir, '--router-port', String(opts.routerPort), '--router-host', opts.routerHost,
    ...(https === null ? [] : ['--https-port', String(https)]), ...logArgs, ...(opts.args ?? []),
  ];
  let keeper = opts.keeper?.alive ? opts.keeper : null;
  if (!keeper && opts.keepRouterPort) {
    const fds = ['--router-fd', String(routerFd), ...(https === null ? [] : ['--https-fd', String(httpsFd)])];
    try {
      keeper = await RouterPortKeeper.open(opts.routerHost, opts.routerPort, [process.execPath, ...args, ...fds], opts.env, logFile, https ?? undefined);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const port = (error as { https?: boolean }).https ? `https port ${https}` : `router port ${opts.routerPort}`;
      throw new RuntimeError(`the data plane did not start: ${code === 'EADDRINUSE' ? `${port} is already in use` : errorMessage(error)}`);
    }
  }
  let exited: string | null = null;
  let exit = new Promise<string>(() => {}); // started by the keeper: not our child, its pid is watched
  let child: ChildProcess | null = null;
  if (keeper) keeper.launch();
  else {
    const fd = fs.openSync(logFile, 'a');
    const spawned = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env });
    fs.closeSync(fd);
    exit = new Promise<string>((resolve) => spawned.on('exit', (code, signal) => resolve((exited = signal ?? `code ${code}`))));
    spawned.unref();
    child = spawned;
  }
  const deadline = Date.now() + 20_000;
  const poll = new Backoff(10, 25);
  while (Date.now() < deadline) {
    const h = await client.health();
    if (h) {
      opts.log(`started the data plane (pid ${h.pid}, router on ${opts.routerHost}:${h.routerPort})`);
      // Another server may have started one first: then ours exits and that one is adopted.
      const ours = child === null || h.pid === child.pid;
      return { client, routerPort: h.routerPort, adopted: !ours, pid: h.pid, exited: ours ? exit : new Promise<string>(() => {}), keeper };
    }
    // One started by the keeper is not our child: its failure is read from its log.
    const recent = exited !== null || keeper ? await lastLinesSince(logFile, start, 20) : [];
    const failed = exited ?? (keeper && recent.some((l) => /data plane failed to start|is already in use|another data plane already answers/.test(l)) ? 'code 1' : null);
    if (failed !== null) {
      throw new RuntimeError(`the data plane did not start (exit ${failed}): ${recent.slice(-3).join(' | ')}`);
    }
    // Asked again soon and often: a data plane answers a few hundred ms after its spawn, and until
    // then the request fails at once on the missing socket (every 100 ms left up to 100 ms unused; 0022).
    await new Promise((r) => setTimeout(r, poll.next()));
  }
  throw new RuntimeError(`the data plane did not answer on ${client.socketPath} within 20 s (see ${logFile})`);
}

async function waitForDataPlane(client: DataPlaneClient, opts: EnsureDataPlaneOptions): Promise<FoundDataPlane> {
  const waitMs = opts.waitMs ?? 60_000;
  opts.log(`waiting for the data plane on ${client.socketPath} (it is started by its own service, not by this server)`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const h = await client.health();
    if (h) {
      opts.log(`adopted the running data plane (pid ${h.pid}, router port ${h.routerPort})`);
      // Its own service restarts it when it dies: nothing here to wait on but its pid.
      return { client, routerPort: h.routerPort, adopted: true, pid: h.pid, exited: new Promise<string>(() => {}), keeper: null };
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new RuntimeError(
    `no data plane answered on ${client.socketPath} within ${Math.round(waitMs / 1000)} s: start it (systemctl start sluice-dataplane, or sluice dataplane --data ${opts.dataDir}), or drop --no-start-data-plane to let the server start it`,
  );
}
