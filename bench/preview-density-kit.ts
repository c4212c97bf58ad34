// Pieces of bench/preview-density: resident memory and CPU time of a process from /proc, the
// processes under the data plane, signed GitHub pull_request deliveries, and a timed wake-up.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { signGithub } from '../src/hooks/signatures.ts';
import { median } from './bench-kit.ts';

/** VmRSS and VmHWM (peak) of a process, in MiB; null when it is gone. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Median of five VmRSS samples 500 ms apart, in MiB (a GC makes single readings jumpy). */
export async function settledRssMiB(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const m = memoryOf(pid);
    if (!m) throw new Error(`process ${pid} is gone`);
    xs.push(m.rssMiB);
    if (i < 4) await new Promise((r) => setTimeout(r, 500));
  }
  return median(xs);
}

const clockTicks = 100; // USER_HZ on Linux

/**
 * CPU seconds used so far: the process's own (user + system) and that of its children that
 * have ended (git and the like, which a sampling of live processes would miss).
 */
export function cpuSecondsOf(pid: number): { own: number; children: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime, stime, cutime, cstime are the 14th to 17th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { own: (f[11]! + f[12]!) / clockTicks, children: (f[13]! + f[14]!) / clockTicks };
  } catch {
    return { own: Number.NaN, children: Number.NaN };
  }
}

/**
 * A directory with a `git` that logs its subcommand to `log` and runs the real one: put first
 * on the server's PATH, it counts the git processes the server starts.
 */
export function gitTracer(dir: string, realGit: string): { pathDir: string; log: string; counts: () => Record<string, number> } {
  const pathDir = path.join(dir, 'git-trace');
  const log = path.join(dir, 'git-trace.log');
  fs.mkdirSync(pathDir, { recursive: true });
  fs.writeFileSync(log, '');
  fs.writeFileSync(path.join(pathDir, 'git'), `#!/bin/sh\nfor a in "$@"; do case "$a" in -*|*=*) ;; *) echo "$a" >> '${log}'; break;; esac; done\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
  const counts = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const cmd of fs.readFileSync(log, 'utf8').split('\n')) if (cmd) out[cmd] = (out[cmd] ?? 0) + 1;
    return out;
  };
  return { pathDir, log, counts };
}

export interface ProcessEntry {
  pid: number;
  ppid: number;
  comm: string;
  /** An instance's shim (src/runtime/process/shim), which is a `node` process too. */
  shim: boolean;
}

/** A Node.js process by its command name: `node`, or `node-MainThread` (Node 26 names its main thread). */
export function isNodeComm(comm: string): boolean {
  return comm === 'node' || comm.startsWith('node-');
}

/** Every live (not zombie) process, from /proc. */
export function processTable(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const shim = isNodeComm(comm) && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((a) => /shim-main\.[jt]s$/.test(a));
      out.push({ pid: Number(entry), ppid: Number(ppid), comm, shim });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every process below `root` (children, grandchildren, …) with its command name. */
export function descendantsOf(root: number, table: ProcessEntry[] = processTable()): ProcessEntry[] {
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const out: ProcessEntry[] = [];
  for (const p of table) {
    for (let at = p.ppid, hops = 0; at > 1 && hops < 64; at = byPid.get(at)?.ppid ?? 0, hops++) {
      if (at === root) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

/**
 * The `node` processes of instances below the data plane: not their shims, which are `node`
 * too and stay while the instance runs (counting them made one awake instance look like two).
 */
export function instanceNodesOf(root: number, table: ProcessEntry[] = processTable()): ProcessEntry[] {
  return descendantsOf(root, table).filter((p) => isNodeComm(p.comm) && !p.shim);
}

export interface PullRequestEvent {
  project: string;
  secret: string;
  number: number;
  action: 'opened' | 'closed';
  headSha: string;
  headRef: string;
}

/** Sends a signed GitHub `pull_request` delivery; resolves to the HTTP status. */
export async function sendPullRequest(apiUrl: string, e: PullRequestEvent): Promise<number> {
  const repo = { id: 1, full_name: 'bench/hello' };
  const body = Buffer.from(
    JSON.stringify({
      action: e.action,
      number: e.number,
      pull_request: { number: e.number, state: e.action === 'closed' ? 'closed' : 'open', merged: false, head: { ref: e.headRef, sha: e.headSha, repo }, base: { ref: 'main', sha: e.headSha, repo } },
      repository: repo,
    }),
  );
  const res = await request(`${apiUrl}/hooks/github/${e.project}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `bench-${e.action}-${e.number}-${Date.now()}`,
      'x-hub-signature-256': signGithub(body, e.secret),
    },
    body,
  });
  await res.body.text();
  return res.statusCode;
}

export interface Wake {
  host: string;
  ms: number;
  status: number;
  body: string;
}

/** One GET through the router, timed from the request to the end of its body. */
export async function timedGet(routerPort: number, host: string, timeoutMs = 30_000): Promise<Wake> {
  const t0 = performance.now();
  try {
    const res = await request(`http://127.0.0.1:${routerPort}/`, { headers: { host }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body = (await res.body.text()).trim();
    return { host, ms: performance.now() - t0, status: res.statusCode, body };
  } catch (error) {
    return { host, ms: performance.now() - t0, status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}
