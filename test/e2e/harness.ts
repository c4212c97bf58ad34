// End-to-end kit: a real `sluice server` child process on free loopback ports with its own
// data directory, the real CLI, and real git repositories. Everything started is ended by
// process id when the test ends (the data plane through its own shutdown, then by pid).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = path.join(root, 'bin', 'sluice.js');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sluice-${prefix}-`));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Data directory of each server a test started, by URL: runCli acts as that server's admin. */
const dataDirOfServer = new Map<string, string>();

/** The admin token the server's first start wrote to <data>/admin.token, if any. */
export function adminTokenOf(server: string): string | undefined {
  const dir = dataDirOfServer.get(server);
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Headers that authenticate as the server's admin (empty when it has no token). */
export function authHeaders(server: string): Record<string, string> {
  const token = adminTokenOf(server);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function runCli(args: string[], opts: { server?: string; cwd?: string; input?: string; timeoutMs?: number; token?: string | null } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.SLUICE_TOKEN;
    if (opts.server) env.SLUICE_SERVER = opts.server;
    // token: null runs without one; undefined acts as the server's admin.
    const token = opts.token === null ? undefined : (opts.token ?? (opts.server ? adminTokenOf(opts.server) : undefined));
    if (token) env.SLUICE_TOKEN = token;
    const child = execFile(process.execPath, [bin, ...args], { cwd: opts.cwd ?? root, env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** A git repository with a main branch; commit() writes files and returns the new SHA. */
export class TestRepo {
  readonly dir: string;

  constructor(files: Record<string, string>) {
    this.dir = tempDir('repo');
    this.git('init', '-q', '-b', 'main');
    this.commit('initial', files);
  }
  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Test Author', '-c', 'user.email=author@example.test', ...args], { cwd: this.dir, encoding: 'utf8' }).trim();
  }
  commit(message: string, files: Record<string, string>): string {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, name)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, name), content);
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }
  head(): string {
    return this.git('rev-parse', 'HEAD');
  }
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunJson {
  id: string;
  number: number;
  commit: string;
  state: string;
  trigger: string;
  reason?: string;
  author: string;
  message: string;
  stages: Array<{ name: string; state: string; startedAt: string | null; finishedAt: string | null; reason?: string; steps?: Array<{ name: string; state: string; exitCode: number | null }> }>;
}

export const terminal = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

/** The Node flags on the bin's shebang line (`#!/usr/bin/env -S node FLAGS`): how `sluice` runs as installed. */
export function shebangFlags(file: string): string[] {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: --\S+)*)\s*$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

export interface TestServerOptions {
  /** Run the server with the shebang's Node flags, as an installed `sluice` does (benchmarks of memory). */
  asInstalled?: boolean;
}

export class TestServer {
  child: ChildProcess | null = null;
  /** Node flags before the bin (see TestServerOptions.asInstalled). */
  private nodeArgs: string[] = [];
  log = '';
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
  readonly routerPort: number;
  private readonly extraArgs: string[];
  /** Added to the server's environment (the data plane it starts inherits it). */
  private readonly extraEnv: Record<string, string>;

  private constructor(
    dataDir: string,
    port: number,
    routerPort: number,
    extraArgs: string[],
    extraEnv: Record<string, string> = {},
  ) {
    this.dataDir = dataDir;
    this.port = port;
    this.routerPort = routerPort;
    this.extraArgs = extraArgs;
    this.extraEnv = extraEnv;
    this.url = `http://127.0.0.1:${port}`;
    dataDirOfServer.set(this.url, dataDir);
  }

  static async start(extraArgs: string[] = [], env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
    const s = new TestServer(tempDir('data'), await freePort(), await freePort(), extraArgs, env);
    if (options.asInstalled) s.nodeArgs = shebangFlags(bin);
    try {
      await s.launch();
    } catch (error) {
      // A server that failed to start may have started its data plane: end it, keep the error.
      await s.close().catch(() => {});
      throw error;
    }
    return s;
  }

  /** A server on an existing data directory (a fixture, a restored backup); close() removes it. */
  static async startAt(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<TestServer> {
    const s = new TestServer(dataDir, await freePort(), await freePort(), extraArgs, env);
    try {
      await s.launch();
    } catch (error) {
      await s.close().catch(() => {});
      throw error;
    }
    return s;
  }

  async launch(): Promise<void> {
    const child = spawn(process.execPath, [...this.nodeArgs, bin, 'server', '--data', this.dataDir, '--port', String(this.port), '--router-port', String(this.routerPort), '--poll-interval', '1s', ...(this.extraArgs.includes('--sandbox') ? [] : ['--sandbox', 'bwrap']), ...this.extraArgs], {
      cwd: root,
      env: { ...process.env, ...this.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.log += d.toString()));
    // A deadline for a machine under load (a shared CI host, a cold compile cache), not a timing bet.
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${this.log}`);
      try {
        const res = await fetch(`${this.url}/api/health`);
        if (res.ok) return;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    throw new Error(`server did not answer within 90 s: ${this.log}`);
  }

  /** The admin token of this server's data directory (written at its first start), if any. */
  token(): string | undefined {
    return adminTokenOf(this.url);
  }

  cli(args: string[], opts: { input?: string; timeoutMs?: number; token?: string | null } = {}): Promise<CliResult> {
    return runCli(args, { ...opts, server: this.url });
  }

  async json<T>(args: string[]): Promise<T> {
    const r = await this.cli([...args, '--json']);
    if (r.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** A command whose --json prints one JSON object a line (`sluice logs`). */
  async jsonLines<T>(args: string[]): Promise<T[]> {
    const r = await this.cli([...args, '--json']);
    if (r.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
  }

  async api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${p}`, { method, headers: { 'content-type': 'application/json', ...authHeaders(this.url) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Waits for a run of the commit to end (the newest such run). */
  async waitRun(project: string, sha: string, timeoutMs = 60_000): Promise<RunJson> {
    const deadline = Date.now() + timeoutMs;
    let last: RunJson | undefined;
    while (Date.now() < deadline) {
      const runs = await this.json<RunJson[]>(['runs', project]);
      last = runs.find((r) => r.commit === sha);
      if (last && terminal.has(last.state)) return this.json<RunJson>(['run', last.id]);
      await sleep(300);
    }
    throw new Error(`no run of ${sha} ended within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
  }

  async waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const v = await fn();
      if (v) return v;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** SIGKILL of the server process only (a crash); the data plane lives on. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return; // signalCode: already killed (kill9)
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stopGracefully(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return; // signalCode: already killed (kill9)
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  dataPlanePid(): number | null {
    try {
      const log = fs.readFileSync(path.join(this.dataDir, 'logs', 'dataplane.log'), 'utf8');
      const m = [...log.matchAll(/data plane (\d+): router/g)].pop();
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** Ends everything: the data plane (and its instances) through its socket, then the server. */
  async close(): Promise<void> {
    const dpPid = this.dataPlanePid();
    await runCli(['down', '--data', this.dataDir], { timeoutMs: 30_000 });
    if (dpPid) {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && alive(dpPid)) await sleep(100);
      if (alive(dpPid)) process.kill(dpPid, 'SIGKILL');
    }
    await this.stopGracefully();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not reaped) is gone for our purposes.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** GET through the router with a Host header; resolves to {status, body}. */
export async function viaRouter(routerPort: number, host: string, p = '/'): Promise<{ status: number; body: string }> {
  const { request } = await import('undici');
  const res = await request(`http://127.0.0.1:${routerPort}${p}`, { headers: { host } });
  return { status: res.statusCode, body: await res.body.text() };
}
