// `sluice doctor`: every check of a host before (or while) Sluice runs there. Failures name
// their fix; the caller exits 1 when any check failed.
import path from 'node:path';
import { DataPlaneClient } from '../dataplane/data-plane-client.ts';
import { socketPathOf } from '../dataplane/data-plane-paths.ts';
import { checkDataDir, checkFreeDisk, checkKeyFiles } from './data-dir-checks.ts';
import type { DoctorCheck } from './doctor-check.ts';
import { checkPort } from './port-check.ts';
import { checkPostgresStore, checkSqliteStore } from './store-check.ts';
import { checkTool, gitRequirement, tarRequirement } from './tool-check.ts';
import { checkSandbox } from './sandbox-check.ts';

export interface DoctorOptions {
  dataDir: string;
  host: string;
  port: number;
  routerHost: string;
  routerPort: number;
  /** postgres://… when the store is PostgreSQL. */
  database: string | undefined;
  /** The PATH git runs with (the server's); tar always runs with its fixed PATH. */
  path: string;
  tarPath: string;
  masterKeyFromEnv: boolean;
}

/** Whether a Sluice server answers on the API port. */
async function sluiceApiAt(host: string, port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://${host}:${port}/api/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { ok?: unknown };
    return res.ok && body.ok === true ? 'a Sluice server' : null;
  } catch {
    return null;
  }
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const dataDir = path.resolve(o.dataDir);
  const dataPlane = new DataPlaneClient(socketPathOf(dataDir));
  return [
    await checkTool(gitRequirement, o.path),
    await checkTool(tarRequirement, o.tarPath),
    await checkSandbox(o.path),
    await checkPort({ role: 'API', host: o.host, port: o.port, flag: '--port', heldByUs: () => sluiceApiAt(o.host, o.port) }),
    await checkPort({
      role: 'router',
      host: o.routerHost,
      port: o.routerPort,
      flag: '--router-port',
      heldByUs: async () => {
        const h = await dataPlane.health();
        return h?.routerPort === o.routerPort ? `this data directory's data plane (pid ${h.pid})` : null;
      },
    }),
    checkDataDir(dataDir),
    checkFreeDisk(dataDir),
    ...checkKeyFiles(dataDir, o.masterKeyFromEnv),
    o.database ? await checkPostgresStore(o.database) : checkSqliteStore(path.join(dataDir, 'sluice.db')),
  ];
}
