// The data plane as installed, for bench/router-https.ts: `node <DATA_PLANE_NODE_FLAGS>
// bin/sluice.js dataplane` (the bundled build in dist/sluice, the flags ensure-data-plane.ts and
// the systemd unit give it), with two instances it starts itself, one route and a certificate,
// all through its control socket as the server would.
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataPlaneClient } from '../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../src/dataplane/data-plane-paths.ts';
import type { InstanceStatus } from '../src/runtime/process/types.ts';
import { DATA_PLANE_NODE_FLAGS } from '../src/server/ensure-data-plane.ts';
import { waitFor } from '../test/wait-for.ts';
import { freePort, type Procs } from './router-procs.ts';

// The same plain node:http backend as bench/router (router-targets.ts), on the PORT the supervisor gives.
const backendCode = `const http = require('node:http');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '6' });
  res.end('hello\\n');
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

export interface BenchDataPlane {
  pid: number;
  httpsPort: number;
  client: DataPlaneClient;
  /** The instances' ports (nginx proxies to the same processes). */
  backendPorts: number[];
  child: ChildProcess;
}

/**
 * `nodeFlags`: the data plane's Node/V8 flags, by default those it is installed with (a trial of
 * other flags passes its own; add --cpu-prof here, which NODE_OPTIONS refuses).
 */
export async function startBenchDataPlane(procs: Procs, repoRoot: string, dir: string, host: string, cert: { certificatePem: string; keyPem: string }, nodeFlags: readonly string[] = DATA_PLANE_NODE_FLAGS): Promise<BenchDataPlane> {
  const bin = join(repoRoot, 'bin/sluice.js');
  if (!existsSync(join(repoRoot, 'dist/sluice/main.js'))) throw new Error('the data plane runs from the build: run `npm run build` first');
  const dataDir = join(dir, 'data');
  const httpsPort = await freePort();
  const log = openSync(join(dir, 'dataplane.log'), 'a');
  const args = [...nodeFlags, bin, 'dataplane', '--data', dataDir, '--router-port', String(await freePort()), '--https-port', String(httpsPort)];
  const child = procs.spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', log, log] });
  closeSync(log);
  const client = new DataPlaneClient(socketPathOf(dataDir));
  await waitFor('the data plane to answer', async () => (await client.health()) !== null, 20_000);
  writeFileSync(join(dir, 'backend.cjs'), backendCode);
  const backendPorts: number[] = [];
  for (const id of ['a', 'b']) {
    await client.request('PUT', `/instances/${id}`, { cwd: dir, command: `${process.execPath} backend.cjs`, env: {}, health: null });
    const status = await client.request<InstanceStatus>('GET', `/instances/${id}/ready?timeoutMs=15000`);
    if (status.port === null || status.pid === null) throw new Error(`instance ${id} is not running: ${status.reason ?? status.state}`);
    procs.noteIndirect(status.pid);
    backendPorts.push(status.port);
  }
  await client.request('PUT', `/routes/${host}`, { backends: [{ release: 'r1', weight: 100, instances: ['a', 'b'] }] });
  await client.putCertificate('bench', { hosts: [host], ...cert });
  return { pid: child.pid!, httpsPort, client, backendPorts, child };
}
