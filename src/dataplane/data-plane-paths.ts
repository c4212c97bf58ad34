// Where the data plane keeps its socket, state and logs inside a data directory.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Unix socket paths are limited to about 107 bytes: long data dirs get a socket in the temp dir. */
export function socketPathOf(dataDir: string): string {
  const direct = path.join(dataDir, 'dataplane.sock');
  if (Buffer.byteLength(direct) < 100) return direct;
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `sluice-${hash}.sock`);
}

export function statePathOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'state.json');
}

export function instanceLogDir(dataDir: string): string {
  return path.join(dataDir, 'logs', 'instances');
}

/** Written by a data plane stopped on purpose (`sluice down`, SIGTERM): the server then does not start it again. */
export function stoppedMarkerOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'stopped');
}

/** Status files of the instances' shims (pid, port, exit), read when a new data plane adopts them. */
export function shimDirOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'shims');
}

/** Sandboxed instances' writable /scratch directories, one per instance id. */
export function scratchDirOf(dataDir: string): string {
  return path.join(dataDir, 'dataplane', 'scratch');
}

/** The router's access spool: one file per environment, PROJECT.ENV.log (src/dataplane/access-log-spool.ts). */
export function accessLogDir(dataDir: string): string {
  return path.join(dataDir, 'logs', 'access');
}

export function instanceLogPath(dataDir: string, id: string): string {
  return path.join(instanceLogDir(dataDir), `${id}.log`);
}

export function dataPlaneLogPath(dataDir: string): string {
  return path.join(dataDir, 'logs', 'dataplane.log');
}
