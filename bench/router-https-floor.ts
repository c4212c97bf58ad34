// The floor a Node.js data plane can reach, for bench/router-https.ts: the least proxy Node can be
// (node:http2 with allowHTTP1, undici's Pool to the same two instances in turn, the response's
// headers passed on), no routing, stats or header rules, run with the data plane's Node flags and
// the same certificate. Measured beside the data plane and nginx, it says how much of the gap to
// nginx is the router's own work and how much is Node's TLS and HTTP stacks.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DATA_PLANE_NODE_FLAGS } from '../src/server/ensure-data-plane.ts';
import { waitFor } from '../test/wait-for.ts';
import { canConnect, freePort, type Procs } from './router-procs.ts';

const floorCode = `const http2 = require('node:http2');
const fs = require('node:fs');
const [poolPath, certFile, keyFile, port, ...backends] = process.argv.slice(2);
const Pool = require(poolPath);
const pools = backends.map((p) => new Pool('http://127.0.0.1:' + p, { connections: 256, pipelining: 1, bodyTimeout: 0 }));
const hop = new Set(['connection', 'keep-alive', 'transfer-encoding']);
let next = 0;
const server = http2.createSecureServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), allowHTTP1: true, noDelay: true }, (req, res) => {
  const pool = pools[next++ % pools.length];
  pool.dispatch({ path: req.url, method: req.method, headers: ['host', req.headers.host || 'localhost'], body: null }, {
    onRequestStart() {},
    onResponseStart(c, status, headers) {
      for (const name of hop) delete headers[name];
      res.writeHead(status, headers);
    },
    onResponseData(c, chunk) { res.write(chunk); },
    onResponseEnd() { res.end(); },
    onResponseError(c, error) { res.destroy(error); },
  });
});
server.listen(Number(port), '127.0.0.1');
`;

export interface FloorProxy {
  pid: number;
  port: number;
}

export async function startFloorProxy(procs: Procs, dir: string, cert: { certFile: string; keyFile: string }, backendPorts: number[]): Promise<FloorProxy> {
  const script = join(dir, 'floor-proxy.cjs');
  writeFileSync(script, floorCode);
  const poolPath = createRequire(import.meta.url).resolve('undici/lib/dispatcher/pool.js');
  const port = await freePort();
  const child = procs.spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, script, poolPath, cert.certFile, cert.keyFile, String(port), ...backendPorts.map(String)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(`the floor proxy to listen on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`the floor proxy exited ${child.exitCode}`);
    return canConnect(port);
  });
  return { pid: child.pid!, port };
}
