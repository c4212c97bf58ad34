// Runs the system git with an argument array (never a shell string) in an environment that
// can neither prompt for credentials nor pick up the user's or the system's git config.

import { execFile } from 'node:child_process';

export interface GitEnvOptions {
  /**
   * Base environment for git (PATH, HOME, SSH_AUTH_SOCK, proxies …). Sluice never reads
   * process.env itself; the caller passes what git may see.
   */
  env?: Record<string, string>;
}

export interface GitResult { stdout: string; stderr: string }

export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    args: readonly string[],
    exitCode: number | null,
    stderr: string,
    message: string,
  ) {
    super(message);
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.name = 'GitCommandError';
  }
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function gitEnv(base: Record<string, string> | undefined): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    // Ignore ~/.gitconfig and /etc/gitconfig (autocrlf, hooks, templates …) unless the caller says otherwise.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    ...base,
    // Always: a server must fail, not wait for a password nobody will type.
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
  };
}

export function runGit(
  args: readonly string[],
  opts: { cwd?: string; env: Record<string, string>; timeoutMs: number; maxBuffer?: number; encoding?: 'utf8' | 'latin1' },
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env: opts.env,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
        // latin1 maps each byte to one character: a caller that needs the exact bytes gets them back.
        encoding: opts.encoding ?? 'utf8',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        const detail = stderr.trim() || (error.killed ? `timed out after ${opts.timeoutMs}ms` : error.message);
        reject(new GitCommandError(args, code, stderr, detail));
      },
    );
  });
}

/** The last meaningful lines of git's stderr, for error messages. */
export function gitErrorText(error: unknown): string {
  const text = error instanceof GitCommandError ? error.message : error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.slice(-3).join(' ');
}

/** Local paths become absolute so the mirror keeps working whatever the cwd; URLs pass through. */
export function normalizeRepo(repo: string, resolvePath: (p: string) => string): string {
  if (repo.includes('://') || /^[^/]+@[^/:]+:/.test(repo)) return repo;
  return resolvePath(repo);
}
