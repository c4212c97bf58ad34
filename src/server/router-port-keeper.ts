// Keeps the router's listening socket open while the data plane restarts. A tiny shell holds
// the socket (as fd 3) without ever accepting, and starts each data plane with it inherited:
// while no data plane runs, connections wait in the kernel's backlog instead of being
// refused, and the next data plane accepts them. (A socket-activation service manager does
// the same; the server plays that part when it runs the data plane itself.)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** The fd number the data plane finds the router socket at (`sluice dataplane --router-fd 3`). */
export const routerFd = 3;
/** The fd of the HTTPS socket, when there is one (`--https-fd 4`). */
export const httpsFd = 4;

async function bind(host: string, port: number): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 1024 }, () => resolve());
  });
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

export class RouterPortKeeper {
  readonly port: number;
  /** The HTTPS port held as fd 4, if one was asked for. */
  readonly httpsPort: number | null;
  readonly #child: ChildProcess;
  #closed = false;

  private constructor(port: number, httpsPort: number | null, child: ChildProcess) {
    this.port = port;
    this.httpsPort = httpsPort;
    this.#child = child;
  }

  /**
   * Binds host:port (and host:httpsPort when given) and hands the sockets to a keeper that runs
   * `command` (argv) once per launch(), with the sockets as fd 3 (and 4) and stdout/stderr to `logFile`.
   */
  static async open(host: string, port: number, command: string[], env: NodeJS.ProcessEnv, logFile: string, httpsPort?: number): Promise<RouterPortKeeper> {
    const plain = await bind(host, port);
    let tls: Awaited<ReturnType<typeof bind>> | null = null;
    try {
      if (httpsPort !== undefined) tls = await bind(host, httpsPort);
    } catch (error) {
      plain.server.close();
      throw Object.assign(error as Error, { https: true });
    }
    const out = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      // Each line on stdin starts one data plane in the background; EOF (the server is gone) ends the keeper.
      child = spawn('/bin/sh', ['-c', 'while read -r _; do "$@" & done', 'sluice-router-keeper', ...command], {
        detached: true,
        stdio: tls ? ['pipe', out, out, plain.fd, tls.fd] : ['pipe', out, out, plain.fd],
        env,
      });
    } finally {
      fs.closeSync(out);
      // The keeper holds them now; this process never accepts on them.
      plain.server.close();
      tls?.server.close();
    }
    child.on('error', () => {});
    child.stdin?.on('error', () => {});
    child.unref();
    const keeper = new RouterPortKeeper(plain.port, tls?.port ?? null, child);
    child.once('exit', () => (keeper.#closed = true));
    return keeper;
  }

  get alive(): boolean {
    return !this.#closed && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts one data plane with the socket. */
  launch(): void {
    this.#child.stdin?.write('\n');
  }

  /** Ends the keeper (the data planes it started keep running); the port is free once they are gone too. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin?.end();
    if (this.#child.pid) {
      try {
        process.kill(this.#child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
}
