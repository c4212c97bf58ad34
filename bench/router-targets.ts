// The things bench/router.ts measures: node backends, the Sluice router child, nginx, and the
// load generator (wrk, or bench/router-load.ts when wrk is missing).
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteTable } from '../src/router/route-table.ts';
import { canConnect, childPids, freePort, nextMessage, sleep, type Procs } from './router-procs.ts';

export const benchHost = 'bench.localhost';

// A plain node:http server answering 'hello\n' with keep-alive; x-backend names it (the switch test reads it).
const backendCode = `
const http = require('node:http');
const name = process.argv[1];
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '6', 'x-backend': name });
  res.end('hello\\n');
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

export interface Proc {
  pid: number;
  port: number;
}

export async function startBackend(procs: Procs, name: string): Promise<Proc> {
  const child = procs.spawn(process.execPath, ['-e', backendCode, name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await nextMessage(child, (m) => (m as { port?: number }).port, 5000);
  return { pid: child.pid!, port };
}

export interface SluiceProc extends Proc {
  /** Applies a table in the child; resolves with setRoutes' own duration there (µs). */
  setRoutes(table: RouteTable): Promise<number>;
  child: ChildProcess;
}

export async function startSluice(procs: Procs, repoRoot: string): Promise<SluiceProc> {
  const child = procs.spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/router-child.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await nextMessage(child, (m) => ((m as { type?: string }).type === 'ready' ? (m as { port: number }).port : undefined), 15_000);
  let nextId = 0;
  const setRoutes = async (table: RouteTable): Promise<number> => {
    const id = ++nextId;
    const answer = nextMessage(child, (m) => ((m as { id?: number }).id === id ? (m as { type: string; applyUs?: number; message?: string }) : undefined), 5000);
    child.send({ type: 'setRoutes', id, table });
    const reply = await answer;
    if (reply.type !== 'applied') throw new Error(`setRoutes failed in the router child: ${reply.message}`);
    return reply.applyUs ?? 0;
  };
  return { pid: child.pid!, port, setRoutes, child };
}

export interface NginxProc extends Proc {
  masterPid: number;
  version: string;
}

/** nginx from the Debian package, installed on demand; undefined (with the reason printed) when unavailable. */
export async function startNginx(procs: Procs, tmp: string, backends: Proc[]): Promise<NginxProc | undefined> {
  if (!hasCommand('nginx')) {
    console.log('nginx not found: apt-get install -y nginx …');
    try {
      execFileSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', timeout: 120_000 });
    } catch (error) {
      console.log(`nginx install failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): continuing without nginx`);
      return undefined;
    }
  }
  const port = await freePort();
  const dir = join(tmp, 'nginx');
  execFileSync('mkdir', ['-p', dir]);
  chmodSync(tmp, 0o755);
  const conf = join(dir, 'nginx.conf');
  // Temp paths spelled out: Debian's build points them at /var/lib/nginx otherwise.
  // keepalive_requests raised on both sides so neither proxy recycles connections mid-run
  // (node's server and undici have no such limit).
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream sluice_bench {
${backends.map((b) => `    server 127.0.0.1:${b.port};`).join('\n')}
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    server_name ${benchHost};
    location / {
      proxy_pass http://sluice_bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  return runNginx(procs, dir, conf, port);
}

/** Starts nginx on a written config and waits until its worker answers on `port`; undefined (said why) when it does not. */
export async function runNginx(procs: Procs, dir: string, conf: string, port: number): Promise<{ pid: number; masterPid: number; port: number; version: string } | undefined> {
  // nginx -v writes to stderr.
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: nginx\//, '');
  const child = procs.spawn('nginx', ['-c', conf, '-p', `${dir}/`, '-e', `${dir}/error.log`], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const workers = childPids(child.pid!);
    if (workers.length > 0 && (await canConnect(port))) {
      for (const w of workers) procs.noteIndirect(w);
      return { pid: workers[0]!, masterPid: child.pid!, port, version };
    }
    await sleep(50);
  }
  const log = existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8').slice(-500) : '';
  console.log(`nginx did not start: continuing without nginx\n${log}`);
  return undefined;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  p50Us: number;
  p99Us: number;
}

const wrkScript = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

export interface LoadGenerator {
  name: string;
  run(port: number, connections: number, seconds: number): Promise<LoadResult>;
}

export function makeGenerator(procs: Procs, tmp: string, repoRoot: string, useWrk: boolean): LoadGenerator {
  if (useWrk) {
    const script = join(tmp, 'done.lua');
    writeFileSync(script, wrkScript);
    return {
      name: 'wrk',
      run: async (port, connections, seconds) => {
        const out = await capture(procs, 'wrk', [
          '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-H', `Host: ${benchHost}`, '-s', script, `http://127.0.0.1:${port}/`,
        ], repoRoot);
        const line = out.split('\n').find((l) => l.startsWith('RESULT '));
        if (!line) throw new Error(`wrk printed no result:\n${out}`);
        const [requests, durationUs, errors, p50, p99] = line.slice(7).split(' ').map(Number) as [number, number, number, number, number];
        return { requests, errors, seconds: durationUs / 1e6, p50Us: p50, p99Us: p99 };
      },
    };
  }
  return {
    name: 'node (undici Pool)',
    run: async (port, connections, seconds) => {
      const out = await capture(procs, process.execPath, [
        '--import', 'tsx', 'bench/router-load.ts', '--url', `http://127.0.0.1:${port}`, '--host', benchHost,
        '--connections', String(connections), '--duration-ms', String(seconds * 1000),
      ], repoRoot);
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { requests: number; errors: number; durationMs: number; p50Us: number; p99Us: number };
      return { requests: r.requests, errors: r.errors, seconds: r.durationMs / 1000, p50Us: r.p50Us, p99Us: r.p99Us };
    },
  };
}

function capture(procs: Procs, command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = procs.spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}:\n${out}`))));
  });
}
