// Entry point of the data-plane process (`sluice dataplane`): router + supervisor + control
// socket. SIGTERM or a shutdown request stops every instance and exits.
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../engine/logger.ts';
import { socketPathOf, stoppedMarkerOf } from './data-plane-paths.ts';
import { DataPlane } from './data-plane.ts';
import type { InstanceLogPolicy } from './instance-log-policy.ts';
import { createControlServer, listenOnSocket } from './control-server.ts';
import { startOutputRotation, type OutputRotation } from '../server/rotate-own-output.ts';
import { openSandbox, SANDBOX_OFF_WARNING, type SandboxMode } from '../sandbox/open-sandbox.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';

export async function runDataPlane(opts: {
  dataDir: string;
  routerPort: number;
  routerHost?: string;
  routerFd?: number;
  httpsPort?: number;
  httpsFd?: number;
  /** OFREP's loopback port; absent: the stored one, else a free one (src/dataplane/flag-endpoints.ts). */
  flagsPort?: number;
  path: string;
  home: string;
  masterKey?: Buffer;
  previousMasterKeys?: Buffer[];
  instanceLogs?: InstanceLogPolicy;
  /** Rotation of the file stdout and stderr append to (<data>/logs/dataplane.log), if any. */
  outputRotation?: OutputRotation;
  /** 'none': instances run unsandboxed, with a warning. */
  sandbox: SandboxMode;
  logger: Logger;
}): Promise<void> {
  const { logger } = opts;
  const log = (line: string): void => logger.info(line);
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  let sandbox: Sandbox | null = null;
  if (opts.sandbox === 'none') logger.warn(SANDBOX_OFF_WARNING);
  else {
    try {
      sandbox = await openSandbox(opts.path);
    } catch (error) {
      logger.error(`data plane cannot start: ${errorMessage(error)}`);
      process.exit(1);
    }
  }
  const dp = new DataPlane({ ...opts, log, sandbox });
  const socketPath = socketPathOf(opts.dataDir);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    log('data plane stopping: ending every instance');
    try {
      fs.mkdirSync(path.dirname(stoppedMarkerOf(opts.dataDir)), { recursive: true });
      fs.writeFileSync(stoppedMarkerOf(opts.dataDir), `${new Date().toISOString()}\n`);
    } catch (error) {
      log(`cannot mark the data plane stopped on purpose: ${errorMessage(error)}`);
    }
    control.close();
    void dp
      .stop()
      .catch((e) => logger.error('stopping', e))
      .finally(() => {
        fs.rmSync(socketPath, { force: true });
        process.exit(0);
      });
  };
  const control = createControlServer(dp, opts.dataDir, shutdown);
  try {
    await dp.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const port = (error as { https?: boolean }).https ? `https port ${opts.httpsPort}` : `router port ${opts.routerPort}`;
    logger.error(code === 'EADDRINUSE' ? `${port} is already in use` : `data plane failed to start: ${errorMessage(error)}`);
    await dp.stop().catch(() => {});
    process.exit(1);
  }
  try {
    await listenOnSocket(control, socketPath);
  } catch (error) {
    logger.error(errorMessage(error));
    await dp.stop().catch(() => {});
    process.exit(1);
  }
  fs.rmSync(stoppedMarkerOf(opts.dataDir), { force: true });
  if (opts.outputRotation) startOutputRotation(opts.outputRotation, (line) => logger.warn(line));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  const https = dp.httpsPort === null ? '' : `, https on ${opts.routerHost ?? '127.0.0.1'}:${dp.httpsPort}`;
  log(`data plane ${process.pid}: router on ${opts.routerHost ?? '127.0.0.1'}:${dp.routerPort}${https}, flags on 127.0.0.1:${dp.flags.port}, control on ${socketPath}`);
}
