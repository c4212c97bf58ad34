// What runs a command inside bubblewrap: the argv for one step or instance, and the spawn
// itself. The argv goes to bwrap on a pipe (`--args 3`), so no host path (the data directory
// included) appears in the sandbox's /proc/1/cmdline. docs/decisions/0016-sandbox.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import type { SandboxLimits } from './sandbox-limits.ts';

/** Who the sandboxed command runs as. */
export type SandboxIdentity =
  /** The server runs as root: bwrap mounts as root, then drops to this unprivileged user (setpriv). */
  | { kind: 'user'; uid: number; gid: number; name: string }
  /** The server is not root: bwrap maps the server's own uid in a user namespace. */
  | { kind: 'userns' };

export interface Sandbox {
  bwrap: string;
  identity: SandboxIdentity;
}

export interface SandboxMount {
  host: string;
  at: string;
  writable: boolean;
}

export interface SandboxPlan {
  command: string;
  /** Working directory inside the sandbox. */
  cwd: string;
  mounts: readonly SandboxMount[];
  network: boolean;
  limits: SandboxLimits;
  /** Writable tmpfs directories besides /tmp (e.g. an instance's /scratch). */
  tmpfs?: readonly string[];
}

/** Neutral paths: nothing of the data directory's layout exists inside. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_APP = '/app';
export const SANDBOX_SCRATCH = '/scratch';

/** Read-only system directories; the ones missing on a host are skipped. */
const SYSTEM_DIRS = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'] as const;

/** bwrap's arguments for one plan: the options (sent on fd 3: they hold host paths) and the command. */
export interface BwrapArgs {
  options: string[];
  command: string[];
}

export function bwrapArgs(sandbox: Sandbox, plan: SandboxPlan): BwrapArgs {
  const args = ['--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try'];
  if (!plan.network) args.push('--unshare-net');
  // Not root: bwrap needs a user namespace of its own. Root: none (its uid 0 would still be
  // the host's root); the command drops to the sandbox user below.
  if (sandbox.identity.kind === 'userns') args.push('--unshare-user');
  // --die-with-parent: bwrap's death (SIGKILL of its group) ends the PID namespace, and with it
  // every process of the sandbox, setsid or not. No --new-session: the command stays in bwrap's
  // process group, so SIGTERM to the group reaches it (graceful stop); it has no terminal anyway.
  args.push('--die-with-parent');
  // /bin, /lib… are symlinks into /usr on merged-/usr systems: --ro-bind-try copies them as binds,
  // which resolve the same way.
  for (const dir of SYSTEM_DIRS) args.push('--ro-bind-try', dir, dir);
  // Writable by the sandbox user whoever mounts it (sticky, like a host's /tmp).
  for (const dir of ['/tmp', ...(plan.tmpfs ?? [])]) args.push('--perms', '1777', '--tmpfs', dir);
  args.push('--proc', '/proc', '--dev', '/dev');
  for (const m of plan.mounts) args.push(m.writable ? '--bind' : '--ro-bind', m.host, m.at);
  args.push('--chdir', plan.cwd);
  const command: string[] = [];
  if (sandbox.identity.kind === 'user') {
    const { uid, gid } = sandbox.identity;
    args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
    command.push('setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs');
    // A user namespace of the sandbox user's own: RLIMIT_NPROC counts this sandbox's
    // processes only, not every process the sandbox user runs on the host.
    command.push('--', 'unshare', '--user', '--map-current-user', '--');
  }
  const l = plan.limits;
  command.push('prlimit', `--data=${l.memoryBytes}`, `--nproc=${l.processes}`, `--nofile=${l.openFiles}`, `--fsize=${l.fileSizeBytes}`);
  command.push('--', '/bin/sh', '-c', plan.command);
  return { options: args, command };
}

/**
 * Spawns bwrap with its options given on fd 3, in a process group of its own. The environment
 * is the command's (bwrap passes it through); stdout and stderr are pipes.
 */
export function spawnSandboxed(sandbox: Sandbox, args: BwrapArgs, env: Record<string, string>): ChildProcess {
  const child = spawn(sandbox.bwrap, ['--args', '3', '--', ...args.command], { env, detached: true, cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const argsPipe = child.stdio[3] as Writable | null;
  if (argsPipe) {
    argsPipe.on('error', () => {}); // bwrap that died at once: reported by its exit
    argsPipe.end(args.options.map((a) => `${a}\0`).join(''));
  }
  return child;
}

/** bwrap ends with 128+N when the command was killed by signal N: the signal's name, or null. */
export function signalOfExitCode(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128) return null;
  const found = Object.entries(constants.signals).find(([, n]) => n === code - 128);
  return found ? (found[0] as NodeJS.Signals) : null;
}
