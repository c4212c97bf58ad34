// The built-in edge router as the engine reaches it: EdgeRouterClient → an in-process data
// plane's control socket → the edge router, with real instances (node processes the data plane
// supervises) started and ready.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { instanceLogPath, socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { EdgeRouterClient } from '../../src/router/edge/edge-router-client.ts';

const app = `
const http = require('node:http');
const srv = http.createServer((req, res) => res.end(process.env.SLUICE_ID || 'ok'));
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.closeAllConnections(); srv.close(); process.exit(0); });
`;

export interface EdgeHarness {
  router: EdgeRouterClient;
  close(): Promise<void>;
}

export async function edgeHarness(instanceIds: string[]): Promise<EdgeHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-edge-'));
  writeFileSync(join(dataDir, 'app.js'), app);
  const dp = new DataPlane({ dataDir, routerPort: 0, path: process.env.PATH ?? '/usr/bin:/bin', home: homedir(), log: () => {} });
  await dp.start();
  const control = createControlServer(dp, dataDir, () => {});
  await listenOnSocket(control, socketPathOf(dataDir));
  const close = async (): Promise<void> => {
    control.closeAllConnections();
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await dp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const id of instanceIds) {
      await dp.startInstance({
        id,
        cwd: dataDir,
        command: `exec "${process.execPath}" app.js`,
        env: { SLUICE_ID: id },
        health: { path: '/', intervalMs: 100, timeoutMs: 500, deadlineMs: 10_000 },
        logFile: instanceLogPath(dataDir, id),
        labels: { project: id.split('.')[0] ?? '', environment: id.split('.')[1] ?? '' },
      });
    }
    await Promise.all(instanceIds.map((id) => dp.waitReady(id, 15_000)));
  } catch (error) {
    await close();
    throw error;
  }
  return { router: new EdgeRouterClient(new DataPlaneClient(socketPathOf(dataDir))), close };
}
