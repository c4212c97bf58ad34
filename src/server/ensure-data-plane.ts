// Finds the data plane of a data directory, or starts one. A data plane that answers is
// adopted (never started twice); a new one is a detached process that outlives this server.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage, RuntimeError } from '../errors.ts';
import { DataPlaneClient } from '../dataplane/data-plane-client.ts';
import { dataPlaneLogPath, socketPathOf } from '../dataplane/data-plane-paths.ts';
import { RouterPortKeeper, routerFd } from './router-port-keeper.ts';

export interface EnsureDataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost: string;
  /** The `sluice` entry script, started with this Node.js as `sluice dataplane`. */
  binPath: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /**
   * Start the data plane through a RouterPortKeeper (this one while it lives, else a new one),
   * so its router port stays open across its restarts.
   */
  keepRouterPort?: boolean;
  keeper?: RouterPortKeeper | null;
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
  const logFile = dataPlaneLogPath(opts.dataDir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const start = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const args = [opts.binPath, 'dataplane', '--data', opts.dataDir, '--router-port', String(opts.routerPort), '--router-host', opts.routerHost];
  let keeper = opts.keeper?.alive ? opts.keeper : null;
  if (!keeper && opts.keepRouterPort) {
    try {
      keeper = await RouterPortKeeper.open(opts.routerHost, opts.routerPort, [process.execPath, ...args, '--router-fd', String(routerFd)], opts.env, logFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new RuntimeError(`the data plane did not start: ${code === 'EADDRINUSE' ? `router port ${opts.routerPort} is already in use` : errorMessage(error)}`);
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
  while (Date.now() < deadline) {
    const h = await client.health();
    if (h) {
      opts.log(`started the data plane (pid ${h.pid}, router on ${opts.routerHost}:${h.routerPort})`);
      // Another server may have started one first: then ours exits and that one is adopted.
      const ours = child === null || h.pid === child.pid;
      return { client, routerPort: h.routerPort, adopted: !ours, pid: h.pid, exited: ours ? exit : new Promise<string>(() => {}), keeper };
    }
    // One started by the keeper is not our child: its failure is read from its log.
    const failed = exited ?? (keeper && /data plane failed to start|is already in use|another data plane already answers/.test(fs.readFileSync(logFile, 'utf8').slice(start)) ? 'code 1' : null);
    if (failed !== null) {
      const tail = fs.readFileSync(logFile, 'utf8').slice(start).trim().split('\n').slice(-3).join(' | ');
      throw new RuntimeError(`the data plane did not start (exit ${failed}): ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RuntimeError(`the data plane did not answer on ${client.socketPath} within 20 s (see ${logFile})`);
}
