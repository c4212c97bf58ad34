// The data plane's side of an instance's shim: start one, or adopt one a previous data plane
// started. Either way the caller gets the instance's pid, its exit and the shim's end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStat } from '../process-group.ts';
import { LineSplitter } from '../log-writer.ts';
import type { ShimConfig, ShimExit } from './shim-protocol.ts';
import { parseShimEvent, readStatusFile } from './shim-schemas.ts';

export interface ShimHandle {
  /** The instance's pid, which leads its process group. */
  pid: number;
  shimPid: number;
  port: number;
  startedAt: string;
  /** Resolves with the instance's exit; never rejects. */
  exit: Promise<ShimExit>;
  /** Resolves once the shim is gone: the instance's pipes are drained and its log closed. */
  gone: Promise<void>;
}

/** How often an adopted shim (not our child: no exit event) is looked at. */
const adoptedPollMs = 100;

/**
 * `node [--import tsx] shim-main.(ts|js) STATUS_FILE`: the compiled entry when this code is
 * compiled, the source through tsx otherwise. The status file in argv identifies the shim.
 * The heap is kept small: a shim holds at most a few lines at a time.
 */
function shimArgs(statusFile: string): string[] {
  const here = fileURLToPath(import.meta.url);
  const main = fileURLToPath(new URL(`./shim-main${extname(here)}`, import.meta.url));
  const loader = main.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return ['--max-old-space-size=16', '--max-semi-space-size=1', ...loader, main, statusFile];
}

/** Starts a shim (in a session of its own) that starts the instance; rejects with the shim's reason when it cannot. */
export function spawnShim(config: ShimConfig): Promise<ShimHandle> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, shimArgs(config.statusFile), { cwd: config.cwd, detached: true, stdio: ['pipe', 'pipe', 'inherit'], env: {} });
    child.on('error', (error) => reject(new Error(`cannot start the instance's shim: ${error.message}`)));
    child.stdin.on('error', () => {}); // a shim that died at once: reported by its exit
    child.stdin.end(JSON.stringify(config));
    let resolveExit: (exit: ShimExit) => void = () => {};
    const exit = new Promise<ShimExit>((r) => (resolveExit = r));
    const gone = new Promise<void>((r) => child.once('close', () => r()));
    let pid: number | null = null;
    let error: string | null = null;
    const lines = new LineSplitter((line) => {
      const event = parseShimEvent(line);
      if (!event) return;
      if ('pid' in event && pid === null) {
        pid = event.pid;
        resolve({ pid, shimPid: child.pid!, port: config.port, startedAt: new Date().toISOString(), exit, gone });
      } else if ('exit' in event) resolveExit(event.exit);
      else if ('error' in event) error = event.error;
    });
    child.stdout.on('data', (chunk: Buffer) => lines.push(chunk));
    child.once('close', (code, signal) => {
      lines.flush();
      if (pid === null) reject(new Error(error ?? `the instance's shim ended (${signal ?? `code ${code}`}) before starting it`));
      // A shim killed before it could report the exit: take what its status file says, if anything.
      resolveExit(readStatusFile(config.statusFile)?.exit ?? { code: null, signal: signal ?? 'unknown', at: new Date().toISOString(), stderrTail: [] });
    });
  });
}

function alive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Whether `shimPid` is still the shim of this status file (after a reboot the number may be someone else's). */
function isShimOf(shimPid: number, statusFile: string): boolean {
  try {
    return readFileSync(`/proc/${shimPid}/cmdline`, 'utf8').split('\0').includes(statusFile);
  } catch {
    return false;
  }
}

/**
 * A shim left by an earlier data plane: its handle while its instance still runs, else the
 * recorded exit (or undefined when there is no trace of one).
 */
export function adoptShim(statusFile: string): { handle: ShimHandle } | { exited: ShimExit | null } {
  const status = readStatusFile(statusFile);
  if (!status) return { exited: null };
  if (status.exit || !isShimOf(status.shimPid, statusFile) || !alive(status.pid) || readStat(status.pid)?.pgrp !== status.pid) return { exited: status.exit };
  let resolveExit: (exit: ShimExit) => void = () => {};
  let resolveGone: () => void = () => {};
  const exit = new Promise<ShimExit>((r) => (resolveExit = r));
  const gone = new Promise<void>((r) => (resolveGone = r));
  const timer = setInterval(() => {
    const shimAlive = isShimOf(status.shimPid, statusFile) && alive(status.shimPid);
    if (!shimAlive) {
      clearInterval(timer);
      resolveExit(readStatusFile(statusFile)?.exit ?? { code: null, signal: 'unknown', at: new Date().toISOString(), stderrTail: [] });
      resolveGone();
      return;
    }
    if (!alive(status.pid)) {
      const recorded = readStatusFile(statusFile)?.exit;
      if (recorded) resolveExit(recorded);
    }
  }, adoptedPollMs);
  timer.unref();
  return { handle: { pid: status.pid, shimPid: status.shimPid, port: status.port, startedAt: status.startedAt, exit, gone } };
}
