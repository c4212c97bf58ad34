// Runs a step as `/bin/sh -c command` in its own process group, so a timeout, a cancellation or
// the end of the step can signal every process the step started, not just the shell. With a
// sandbox, the shell runs inside bubblewrap (src/sandbox): the group is bwrap's, and its death
// ends the step's PID namespace, setsid grandchildren included.

import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Runner, StepRequest, StepResult, StepOutcome } from '../runner.ts';
import { errorMessage } from '../../errors.ts';
import { formatDuration } from '../../spec/duration.ts';
import { killProcessGroup } from '../../runtime/process/process-group.ts';
import { LineSplitter } from '../../runtime/process/log-writer.ts';
import { bwrapArgs, signalOfExitCode, spawnSandboxed, SANDBOX_WORKSPACE, type Sandbox } from '../../sandbox/sandbox.ts';
import { chownTree } from '../../sandbox/chown-tree.ts';
import { limitCrossed } from '../../sandbox/limit-crossed.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../sandbox/sandbox-limits.ts';

/** Marks a line cut at the runtime's line cap (16 KiB). */
const truncationSuffix = ' … [truncated]';

export interface LocalRunnerOptions {
  /** Time between SIGTERM and SIGKILL on timeout/cancel. */
  killGraceMs?: number;
  /** How long to wait for the output pipes to close after the shell exited. */
  drainMs?: number;
  /** null: steps run unsandboxed (`--sandbox none`). */
  sandbox?: Sandbox | null;
}

/** The last output lines kept to tell which limit a failed step crossed. */
const tailLines = 20;

/** `p` with the workspace prefix replaced by /workspace; other values unchanged. */
function mapPath(p: string, workspace: string): string {
  if (p === workspace) return SANDBOX_WORKSPACE;
  return p.startsWith(`${workspace}/`) ? `${SANDBOX_WORKSPACE}${p.slice(workspace.length)}` : p;
}

export class LocalRunner implements Runner {
  private readonly killGraceMs: number;
  private readonly drainMs: number;
  private readonly sandbox: Sandbox | null;
  readonly notice: string | null;

  constructor(opts: LocalRunnerOptions = {}) {
    this.killGraceMs = opts.killGraceMs ?? 5000;
    this.drainMs = opts.drainMs ?? 2000;
    this.sandbox = opts.sandbox ?? null;
    this.notice = this.sandbox ? null : 'warning: the sandbox is off (--sandbox none): steps run as the server\'s user and can read its data directory, keys and secrets';
  }

  async run(req: StepRequest): Promise<StepResult> {
    const startedAt = new Date();
    const early = (outcome: StepOutcome, reason: string): StepResult => ({
      exitCode: null, signal: null, outcome, reason, startedAt, finishedAt: new Date(), truncatedLines: 0,
    });
    if (req.signal?.aborted) return early('cancelled', 'cancelled before start');
    // spawn reports a missing cwd as "spawn /bin/sh ENOENT", which misleads; check first.
    const cwdOk = await stat(req.cwd).then((s) => s.isDirectory(), () => false);
    if (!cwdOk) return early('failed', `working directory ${req.cwd} does not exist`);
    if (this.sandbox?.identity.kind === 'user') {
      const { uid, gid } = this.sandbox.identity;
      await chownTree(req.confinement?.workspace ?? req.cwd, uid, gid);
    }
    // An abort during the checks above (a server's SIGTERM) has already fired, and a listener added
    // now would never hear it; from here to the listener in spawnStep nothing awaits.
    if (req.signal?.aborted) return early('cancelled', 'cancelled before start');
    return this.spawnStep(req, startedAt);
  }

  private spawnChild(req: StepRequest): ChildProcess {
    if (!this.sandbox) return spawn('/bin/sh', ['-c', req.command], { cwd: req.cwd, env: req.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const workspace = req.confinement?.workspace ?? req.cwd;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.env)) env[k] = mapPath(v, workspace);
    // The server's HOME is not in the sandbox: the private /tmp is.
    env.HOME = '/tmp';
    const args = bwrapArgs(this.sandbox, {
      command: req.command,
      cwd: mapPath(req.cwd, workspace),
      mounts: [{ host: workspace, at: SANDBOX_WORKSPACE, writable: true }],
      network: req.confinement?.network ?? true,
      limits: req.confinement?.limits ?? DEFAULT_SANDBOX_LIMITS,
    });
    return spawnSandboxed(this.sandbox, args, env);
  }

  endOrphan(pid: number): void {
    killProcessGroup(pid, 'SIGKILL');
  }

  private spawnStep(req: StepRequest, startedAt: Date): Promise<StepResult> {
    return new Promise<StepResult>((resolve, reject) => {
      const child = this.spawnChild(req);
      const stdout = child.stdout!;
      const stderr = child.stderr!;
      const pid = child.pid;
      const tail: string[] = [];
      let stopping: { outcome: 'timed_out' | 'cancelled'; reason: string } | null = null;
      let callbackError: unknown = null;
      let exit: { code: number | null; signal: string | null } | null = null;
      let spawnError: Error | null = null;
      let openStreams = 2;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];

      const signalGroup = (signal: NodeJS.Signals): void => {
        if (pid === undefined) return;
        try { killProcessGroup(pid, signal); } catch { /* EPERM: nothing more we can do */ }
      };
      const stop = (outcome: 'timed_out' | 'cancelled', reason: string): void => {
        if (stopping || exit) return;
        stopping = { outcome, reason };
        signalGroup('SIGTERM');
        timers.push(setTimeout(() => signalGroup('SIGKILL'), this.killGraceMs));
      };
      const onAbort = (): void => stop('cancelled', 'cancelled');

      let truncatedLines = 0;
      const makeSplitter = (stream: 'stdout' | 'stderr'): LineSplitter =>
        new LineSplitter((line, truncated) => {
          if (callbackError !== null || settled) return;
          if (truncated) truncatedLines++;
          tail.push(line);
          if (tail.length > tailLines) tail.shift();
          try {
            req.onLine(stream, truncated ? `${line}${truncationSuffix}` : line, new Date());
          } catch (error) {
            // A throwing callback ends the step; run() rejects with that error.
            callbackError = error;
            signalGroup('SIGKILL');
          }
        });
      const out = makeSplitter('stdout');
      const err = makeSplitter('stderr');

      const finish = (): void => {
        if (settled) return;
        // Partial last lines of pipes still open (drain timeout) are reported before resolving.
        out.flush();
        err.flush();
        settled = true;
        for (const t of timers) clearTimeout(t);
        req.signal?.removeEventListener('abort', onAbort);
        // Pipes still held by an escaped grandchild must not keep this process busy.
        stdout.destroy();
        stderr.destroy();
        if (callbackError !== null) {
          reject(callbackError instanceof Error ? callbackError : new Error(`step callback failed: ${errorMessage(callbackError)}`));
          return;
        }
        const finishedAt = new Date();
        if (spawnError) {
          resolve({ exitCode: null, signal: null, outcome: 'failed', reason: `cannot start step: ${spawnError.message}`, startedAt, finishedAt, truncatedLines });
          return;
        }
        // bwrap reports a command killed by signal N as exit code 128+N.
        const sandboxSignal = this.sandbox ? signalOfExitCode(exit?.code ?? null) : null;
        const code = sandboxSignal ? null : (exit?.code ?? null);
        const signal = sandboxSignal ?? exit?.signal ?? null;
        let outcome: StepOutcome = 'succeeded';
        let reason: string | null = null;
        if (stopping) ({ outcome, reason } = stopping);
        else if (code !== 0) {
          outcome = 'failed';
          reason = code !== null ? `exited with code ${code}` : `killed by ${signal ?? 'unknown signal'}`;
          const limit = this.sandbox ? limitCrossed(signal, tail, req.confinement?.limits ?? DEFAULT_SANDBOX_LIMITS) : null;
          if (limit) reason += `: ${limit}`;
        }
        resolve({ exitCode: code, signal, outcome, reason, startedAt, finishedAt, truncatedLines });
      };

      const streamClosed = (splitter: LineSplitter): void => {
        splitter.flush();
        openStreams--;
        if (openStreams === 0 && (exit || spawnError)) finish();
      };
      stdout.on('data', (chunk: Buffer) => out.push(chunk));
      stderr.on('data', (chunk: Buffer) => err.push(chunk));
      stdout.once('close', () => streamClosed(out));
      stderr.once('close', () => streamClosed(err));

      child.once('error', (error) => {
        // Only spawn failures land here before 'exit'; later errors (kill failures) are ignored.
        if (exit) return;
        spawnError = error;
        if (openStreams === 0) finish();
        else timers.push(setTimeout(finish, this.drainMs));
      });

      child.once('exit', (code, signal) => {
        exit = { code, signal };
        // The step is over: end anything it left running in the background.
        signalGroup('SIGKILL');
        if (openStreams === 0) finish();
        else timers.push(setTimeout(finish, this.drainMs));
      });

      if (pid === undefined) return; // spawn failed; 'error' follows
      if (Number.isFinite(req.timeoutMs)) {
        // setTimeout fires at once for delays beyond 2^31-1 ms; clamp instead (~24.8 days).
        const delay = Math.min(Math.max(req.timeoutMs, 0), 2 ** 31 - 1);
        timers.push(setTimeout(() => stop('timed_out', `step timed out after ${formatDuration(req.timeoutMs)}`), delay));
      }
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (req.onStart) {
        try {
          req.onStart(pid);
        } catch (error) {
          callbackError = error;
          signalGroup('SIGKILL');
        }
      }
    });
  }
}

