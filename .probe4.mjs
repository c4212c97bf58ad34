import v8 from 'node:v8'; import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const { startServer } = await import('./dist/server.js');
const d = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
const port = 30000 + Math.floor(Math.random() * 10000);
const quiet = { info() {}, warn() {}, error() {} };
const s = await startServer({ dataDir: d, host: '127.0.0.1', port, routerPort: port + 1, routerHost: '127.0.0.1', baseDomain: 'localhost', maxRuns: 2, pollIntervalMs: 2000, keepArtifacts: 20, path: process.env.PATH, home: os.homedir(), masterKey: undefined, previousMasterKey: undefined }, quiet);
if (process.env.GCX) { const v8m = await import("node:v8"); const vm = await import("node:vm"); v8m.setFlagsFromString("--expose-gc"); const g = vm.runInNewContext("gc"); g(); if (process.env.GCX === "2") setTimeout(() => g(), 9000); }
await new Promise((r) => setTimeout(r, Number(process.env.WAIT ?? 8000)));
const mib = (x) => (x / 1048576).toFixed(1);
console.log('rss', mib(process.memoryUsage().rss), JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mib(v)]))));
for (const sp of v8.getHeapSpaceStatistics()) console.log(sp.space_name, 'size', mib(sp.space_size), 'used', mib(sp.space_used_size), 'phys', mib(sp.physical_space_size));
console.log(JSON.stringify(Object.fromEntries(Object.entries(v8.getHeapCodeStatistics()).map(([k, v]) => [k, mib(v)]))));
const st = fs.readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => /Rss|VmRSS/.test(l)).join(' | '); console.log(st);
await s.close();
const { DataPlaneClient } = await import('./dist/dataplane/data-plane-client.js'); await new DataPlaneClient(path.join(d, 'dataplane.sock')).request('POST', '/shutdown').catch(() => {});
process.exit(0);
