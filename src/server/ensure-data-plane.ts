// Finds the data plane of a data directory, or starts one. A data plane that answers is
// adopted (never started twice); a new one is a detached process that outlives this server.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { RuntimeError } from '../errors.ts';
import { DataPlaneClient } from '../dataplane/data-plane-client.ts';
import { dataPlaneLogPath, socketPathOf } from '../dataplane/data-plane-paths.ts';

export interface EnsureDataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost: string;
  /** The `sluice` entry script, started with this Node.js as `sluice dataplane`. */
  binPath: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface FoundDataPlane {
  client: DataPlaneClient;
  routerPort: number;
  adopted: boolean;
  pid: number;
  /** Resolves when the data plane this server spawned exits (never, for an adopted one: watch its pid). */
  exited: Promise<string>;
}

export async function ensureDataPlane(opts: EnsureDataPlaneOptions): Promise<FoundDataPlane> {
  const client = new DataPlaneClient(socketPathOf(opts.dataDir));
  const running = await client.health();
  if (running) {
    if (running.routerPort !== opts.routerPort) opts.log(`the running data plane serves the router on port ${running.routerPort} (not ${opts.routerPort}); keeping it`);
    opts.log(`adopted the running data plane (pid ${running.pid}, router port ${running.routerPort})`);
    return { client, routerPort: running.routerPort, adopted: true, pid: running.pid, exited: new Promise<string>(() => {}) };
  }
  const logFile = dataPlaneLogPath(opts.dataDir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const start = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [opts.binPath, 'dataplane', '--data', opts.dataDir, '--router-port', String(opts.routerPort), '--router-host', opts.routerHost], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: opts.env,
  });
  fs.closeSync(fd);
  let exited: string | null = null;
  const exit = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve((exited = signal ?? `code ${code}`))));
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const h = await client.health();
    if (h) {
      opts.log(`started the data plane (pid ${h.pid}, router on ${opts.routerHost}:${h.routerPort})`);
      // Another server may have started one first: then ours exits and that one is adopted.
      return h.pid === child.pid ? { client, routerPort: h.routerPort, adopted: false, pid: h.pid, exited: exit } : { client, routerPort: h.routerPort, adopted: true, pid: h.pid, exited: new Promise<string>(() => {}) };
    }
    if (exited !== null) {
      const tail = fs.readFileSync(logFile, 'utf8').slice(start).trim().split('\n').slice(-3).join(' | ');
      throw new RuntimeError(`the data plane did not start (exit ${exited}): ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RuntimeError(`the data plane did not answer on ${client.socketPath} within 20 s (see ${logFile})`);
}
