// Process plumbing for bench/router.ts: every child is tracked by pid and ended on exit;
// CPU time is read from /proc/<pid>/stat.
import { spawn, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

export const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime and stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields from the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]), sys: Number(rest[12]) };
}

/** Pids whose parent is `pid` (scans /proc; fine for a handful of processes). */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A port free right now on 127.0.0.1 (bound once, then released), for programs that cannot take port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The first IPC message from `child` that `accept` takes, or a rejection after timeoutMs / on exit. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const value = accept(message);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`process ${child.pid} exited (${code}) before answering`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`process ${child.pid} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Every process this benchmark starts, so all of them can be ended by pid whatever happens. */
export class Procs {
  private readonly live = new Set<ChildProcess>();
  /** Pids started indirectly (nginx's worker): checked at the end, never signalled directly. */
  private readonly indirect = new Set<number>();
  private readonly all = new Set<number>();

  spawn(command: string, args: string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, options);
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    this.live.add(child);
    this.all.add(child.pid);
    child.once('exit', () => this.live.delete(child));
    return child;
  }

  noteIndirect(pid: number): void {
    this.indirect.add(pid);
    this.all.add(pid);
  }

  /** SIGTERM to each live child by pid, SIGKILL to whatever is still there after graceMs. */
  async stopAll(graceMs = 3000): Promise<void> {
    const children = [...this.live];
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Pids started by this run that still exist (zombies included). Empty means clean. */
  leftovers(): number[] {
    return [...this.all].filter((pid) => existsSync(`/proc/${pid}`) && pid !== process.pid);
  }

  get count(): number {
    return this.all.size;
  }
}
