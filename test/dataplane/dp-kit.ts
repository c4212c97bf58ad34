// An in-process data plane over a temp data dir, with a tiny node app for its instances.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { instanceLogPath } from '../../src/dataplane/data-plane-paths.ts';
import { DataPlane, type DataPlaneOptions } from '../../src/dataplane/data-plane.ts';
import type { InstanceSpec } from '../../src/runtime/process/types.ts';

// Answers its pid; refuses to listen while a file named `broken` exists (a wake that never
// gets ready); echoes upgraded connections after a 101.
const app = `
const fs = require('node:fs');
const http = require('node:http');
if (fs.existsSync('broken')) { setInterval(() => {}, 1000); return; }
const srv = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.url === '/slow') return setTimeout(() => res.end('slow from ' + process.pid), 2500);
  res.end('hello from ' + process.pid);
});
srv.on('upgrade', (req, socket) => {
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nconnection: upgrade\\r\\nupgrade: echo\\r\\n\\r\\n');
  socket.write('pid ' + process.pid + '\\n');
  socket.pipe(socket);
});
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.closeAllConnections(); srv.close(); process.exit(0); });
`;

export interface Kit {
  dataDir: string;
  appDir: string;
  lines: string[];
  start(opts?: Partial<DataPlaneOptions>): Promise<DataPlane>;
  spec(id: string): InstanceSpec;
}

/** A fresh data dir and app dir, removed (with every data plane started here stopped) after the test. */
export function dataPlaneKit(t: TestContext): Kit {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-dp-'));
  const appDir = join(dataDir, 'app');
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'app.js'), app);
  const lines: string[] = [];
  const started: DataPlane[] = [];
  t.after(async () => {
    for (const dp of started) await dp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir,
    appDir,
    lines,
    async start(opts = {}) {
      const dp = new DataPlane({
        dataDir,
        routerPort: 0,
        path: process.env.PATH ?? '/usr/bin:/bin',
        home: homedir(),
        log: (line) => lines.push(line),
        idleCheckMs: 100,
        ...opts,
      });
      started.push(dp);
      await dp.start();
      return dp;
    },
    spec(id) {
      return {
        id,
        cwd: appDir,
        command: `exec "${process.execPath}" app.js`,
        env: {},
        health: { path: '/health', intervalMs: 100, timeoutMs: 500, deadlineMs: 10_000 },
        logFile: instanceLogPath(dataDir, id),
        labels: { project: 'demo', environment: id.split('.')[0] ?? '' },
      };
    },
  };
}

export function routeTo(instances: string[], scaleToZeroMs?: number): { backends: Array<{ release: string; weight: number; instances: string[] }>; scaleToZeroMs?: number } {
  return { backends: [{ release: 'r1', weight: 100, instances }], ...(scaleToZeroMs === undefined ? {} : { scaleToZeroMs }) };
}

/** The pid of an instance's process, or null while none runs. */
export function pidOf(dp: DataPlane, id: string): number | null {
  return dp.supervisor.status(id)?.pid ?? null;
}

export function isSleeping(dp: DataPlane, id: string): boolean {
  return dp.instances().some((i) => i.id === id && i.sleeping === true);
}
