// Finds bubblewrap, makes sure the sandbox user exists (when Sluice runs as root), and proves
// that a sandbox really starts on this host, so that a server never runs steps unsandboxed
// by surprise. docs/decisions/0016-sandbox.md.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, RuntimeError, errorMessage } from '../errors.ts';
import { bwrapArgs, spawnSandboxed, type Sandbox, type SandboxIdentity } from './sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';

/** `--sandbox`: bwrap (the default) or none (unsafe, warned about at every start and in every run's log). */
export type SandboxMode = 'bwrap' | 'none';

export function parseSandboxMode(text: string): SandboxMode {
  if (text === 'bwrap' || text === 'none') return text;
  throw new InvalidInputError(`--sandbox must be bwrap or none, got ${JSON.stringify(text)}`, { text });
}

export const SANDBOX_OFF_WARNING = 'warning: --sandbox none: build, test and verify steps and instances run unsandboxed as this user, and can read the data directory, its keys and every secret (start the server with --sandbox bwrap)';

/** The system user Sluice creates, when it runs as root, to run steps and instances as. */
export const SANDBOX_USER = 'sluice-sandbox';

export const SANDBOX_FIX =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow user namespaces ' +
  '(sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04), ' +
  'or start with --sandbox none to run steps and instances unsandboxed (unsafe: they can read every secret)';

/** A program's path in `pathEnv`, or null. */
export function findExecutable(name: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(':')) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return null;
}

function run(file: string, args: string[], pathEnv: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: pathEnv, LC_ALL: 'C' }, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ ok: !error, out: `${stdout}${stderr}`.trim() || (error ? errorMessage(error) : '') });
    });
  });
}

async function lookupUser(pathEnv: string): Promise<{ uid: number; gid: number } | null> {
  const r = await run('getent', ['passwd', SANDBOX_USER], pathEnv);
  if (!r.ok) return null;
  const [, , uid, gid] = r.out.split(':');
  const u = Number(uid);
  const g = Number(gid);
  return Number.isInteger(u) && Number.isInteger(g) && u > 0 ? { uid: u, gid: g } : null;
}

/** Root: the sandbox user (created as a system user without home or shell when missing). Not root: a user namespace. */
export async function sandboxIdentity(pathEnv: string, create: boolean): Promise<SandboxIdentity> {
  if (process.getuid?.() !== 0) return { kind: 'userns' };
  let ids = await lookupUser(pathEnv);
  if (!ids && create) {
    // useradd lives in sbin, which a service's or a user's PATH often leaves out.
    const r = await run('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', SANDBOX_USER], `${pathEnv}:/usr/sbin:/sbin`);
    ids = await lookupUser(pathEnv);
    if (!ids) throw new RuntimeError(`cannot create the sandbox user ${SANDBOX_USER}: ${r.out || 'useradd failed'}`);
  }
  if (!ids) throw new RuntimeError(`the sandbox user ${SANDBOX_USER} does not exist (the server creates it at start)`);
  return { kind: 'user', name: SANDBOX_USER, ...ids };
}

/** Starts one sandbox that runs `true`; rejects with what bwrap said when it cannot. */
export function probeSandbox(sandbox: Sandbox): Promise<void> {
  const args = bwrapArgs(sandbox, { command: 'true', cwd: '/', mounts: [], network: false, limits: { ...DEFAULT_SANDBOX_LIMITS } });
  return new Promise((resolve, reject) => {
    const child = spawnSandboxed(sandbox, args, { PATH: '/usr/bin:/bin' });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new RuntimeError(`cannot run ${sandbox.bwrap}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new RuntimeError(`bubblewrap cannot start a sandbox here (${signal ?? `exit code ${code}`}): ${out.trim() || 'no message'}`));
    });
  });
}

/**
 * The sandbox of this host, proven to start; rejects saying why not and how to fix it.
 * `create`: make the sandbox user when missing (the server does; doctor only looks).
 */
export async function openSandbox(pathEnv: string, create = true): Promise<Sandbox> {
  const bwrap = findExecutable('bwrap', pathEnv);
  if (!bwrap) throw new RuntimeError(`bubblewrap (bwrap) is not installed or not in PATH ${pathEnv}; ${SANDBOX_FIX}`);
  let sandbox: Sandbox;
  try {
    sandbox = { bwrap, identity: await sandboxIdentity(pathEnv, create) };
    await probeSandbox(sandbox);
  } catch (error) {
    throw new RuntimeError(`${errorMessage(error)}; ${SANDBOX_FIX}`, { cause: error });
  }
  return sandbox;
}
