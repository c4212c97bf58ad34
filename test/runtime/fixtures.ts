// Shared helpers for the process-runtime tests: tiny node services written to a temp dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceSpec } from '../../src/runtime/process/supervisor.ts';

const server = `
const http = require('node:http');
let healthy = true;
const srv = http.createServer((req, res) => {
  if (req.url === '/health') { res.statusCode = healthy ? 200 : 500; return res.end(healthy ? 'ok' : 'sick'); }
  if (req.url === '/env') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify(process.env)); }
  if (req.url === '/sick') { healthy = false; return res.end('now sick'); }
  if (req.url === '/well') { healthy = true; return res.end('now well'); }
  if (req.url === '/long') { console.log('x'.repeat(20000)); return res.end('logged'); }
  res.end('hello from ' + process.pid);
});
srv.listen(Number(process.env.PORT), '127.0.0.1', () => { console.log('listening on ' + process.env.PORT); console.error('a line on stderr'); });
process.on('SIGTERM', () => { process.stdout.write('got SIGTERM, partial line'); srv.close(); process.exit(0); });
`;

// Accepts connections but never answers, so its health check can only time out.
const silent = `
require('node:http').createServer(() => {}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const stubborn = `
require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
`;

// Starts a grandchild in the same process group, then exits on SIGTERM without touching it.
const parent = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:http').createServer((req, res) => res.end(String(child.pid))).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

export interface Fixture {
  dir: string;
  logFile(name: string): string;
  spec(id: string, command: string, health?: InstanceSpec['health'], env?: Record<string, string>): InstanceSpec;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-runtime-'));
  writeFileSync(join(dir, 'server.js'), server);
  writeFileSync(join(dir, 'silent.js'), silent);
  writeFileSync(join(dir, 'stubborn.js'), stubborn);
  writeFileSync(join(dir, 'parent.js'), parent);
  const logFile = (name: string): string => join(dir, 'logs', `${name}.log`);
  return {
    dir,
    logFile,
    spec: (id, command, health = { path: '/health', intervalMs: 100, timeoutMs: 500, deadlineMs: 10_000 }, env = {}) => ({
      id,
      cwd: dir,
      command,
      env,
      health,
      logFile: logFile(id),
      labels: { test: 'yes' },
    }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Gone, or a zombie nobody reaps (where PID 1 does not reap orphans, e.g. some sandboxes). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export { waitFor } from '../wait-for.ts';

export interface LogRecord {
  ts: string;
  stream: 'stdout' | 'stderr';
  line: string;
  truncated?: boolean;
}

export function readLog(file: string): LogRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogRecord);
}

export async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}
