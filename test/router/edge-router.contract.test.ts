// The Router contract against the built-in edge router as the engine reaches it: EdgeRouterClient
// → the data plane's control socket → the edge router, routing to real instances (node processes
// the data plane supervises) that are ready.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { instanceLogPath, socketPathOf } from '../../src/dataplane/data-plane-paths.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { EdgeRouterClient } from '../../src/router/edge/edge-router-client.ts';
import { routerContract } from './router-contract.ts';

const app = `
const http = require('node:http');
const srv = http.createServer((req, res) => res.end(process.env.SLUICE_ID || 'ok'));
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.closeAllConnections(); srv.close(); process.exit(0); });
`;

routerContract('edge router (data plane, real instances)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-rc-'));
  writeFileSync(join(dataDir, 'app.js'), app);
  const dp = new DataPlane({ dataDir, routerPort: 0, path: process.env.PATH ?? '/usr/bin:/bin', home: homedir(), log: () => {} });
  await dp.start();
  const control = createControlServer(dp, dataDir, () => {});
  await listenOnSocket(control, socketPathOf(dataDir));
  const instances = {
    r1: ['shop.production.web.r1.1', 'shop.production.web.r1.2'],
    r2: ['shop.production.web.r2.1', 'shop.production.web.r2.2'],
    r1Baseline: ['shop.production.web.r1.b1'],
  };
  const all = [...instances.r1, ...instances.r2, ...instances.r1Baseline];
  for (const id of all) {
    await dp.startInstance({
      id,
      cwd: dataDir,
      command: `exec "${process.execPath}" app.js`,
      env: { SLUICE_ID: id },
      health: { path: '/', intervalMs: 100, timeoutMs: 500, deadlineMs: 10_000 },
      logFile: instanceLogPath(dataDir, id),
      labels: { project: 'shop', environment: 'production' },
    });
  }
  await Promise.all(all.map((id) => dp.waitReady(id, 15_000)));
  return {
    router: new EdgeRouterClient(new DataPlaneClient(socketPathOf(dataDir))),
    hosts: ['web.shop.test', 'www.shop.test'],
    instances,
    async close() {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await dp.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
