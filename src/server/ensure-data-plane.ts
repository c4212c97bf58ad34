// Finds the data plane of a data directory, or starts one. A data plane that answers is
// adopted (never started twice); a new one is a detached process that outlives this server.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { RuntimeError } from '../errors.ts';
import { readLinesBackward } from '../fs/read-lines-backward.ts';
import { DataPlaneClient } from '../dataplane/data-plane-client.ts';
import { dataPlaneLogPath, socketPathOf } from '../dataplane/data-plane-paths.ts';
import type { InstanceLogPolicy } from '../dataplane/instance-log-policy.ts';

export interface EnsureDataPlaneOptions {
  dataDir: string;
  routerPort: number;
  routerHost: string;
  /** The `sluice` entry script, started with this Node.js as `sluice dataplane`. */
  binPath: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Instance log caps for a data plane started here. */
  instanceLogs?: InstanceLogPolicy;
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

export async function ensureDataPlane(opts: EnsureDataPlaneOptions): Promise<{ client: DataPlaneClient; routerPort: number; adopted: boolean }> {
  const client = new DataPlaneClient(socketPathOf(opts.dataDir));
  const running = await client.health();
  if (running) {
    if (running.routerPort !== opts.routerPort) opts.log(`the running data plane serves the router on port ${running.routerPort} (not ${opts.routerPort}); keeping it`);
    opts.log(`adopted the running data plane (pid ${running.pid}, router port ${running.routerPort})`);
    return { client, routerPort: running.routerPort, adopted: true };
  }
  const logFile = dataPlaneLogPath(opts.dataDir);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const start = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const fd = fs.openSync(logFile, 'a');
  const logArgs = opts.instanceLogs ? ['--instance-log-max', String(opts.instanceLogs.maxBytesPerEnvironment), '--instance-log-age', `${opts.instanceLogs.maxAgeMs}ms`] : [];
  const child = spawn(process.execPath, [opts.binPath, 'dataplane', '--data', opts.dataDir, '--router-port', String(opts.routerPort), '--router-host', opts.routerHost, ...logArgs], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: opts.env,
  });
  fs.closeSync(fd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ?? String(code)));
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const h = await client.health();
    if (h) {
      opts.log(`started the data plane (pid ${h.pid}, router on ${opts.routerHost}:${h.routerPort})`);
      return { client, routerPort: h.routerPort, adopted: false };
    }
    if (exited !== null) {
      const tail = (await lastLinesSince(logFile, start, 3)).join(' | ');
      throw new RuntimeError(`the data plane did not start (exit ${exited}): ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RuntimeError(`the data plane did not answer on ${client.socketPath} within 20 s (see ${logFile})`);
}
