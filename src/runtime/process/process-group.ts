import { readdirSync, readFileSync } from 'node:fs';

/**
 * Sends `signal` to every process of the group led by `pid` (spawned with `detached: true`).
 * Returns false when the group no longer exists (ESRCH), which is not an error when stopping.
 */
export function killProcessGroup(pid: number, signal: NodeJS.Signals | number): boolean {
  // kill(-0) or kill(-1) would signal our own group or every process we may signal: refuse.
  if (!Number.isInteger(pid) || pid <= 1) throw new RangeError(`refusing to signal process group of pid ${pid}`);
  // A sandbox's leader is bwrap, whose death SIGKILLs the whole sandbox at once: a graceful
  // signal goes to the sandboxed processes only, and SIGKILL (or the command's exit) ends bwrap.
  if (signal !== 'SIGKILL' && signal !== 9 && signal !== 0 && isBwrap(pid)) return signalMembers(pid, signal);
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Whether any live (non-zombie) process remains in the group. Zombies count as gone: where PID 1
 * does not reap orphans (some containers), exited grandchildren linger as zombies forever and
 * kill(-pgid, 0) keeps succeeding on them.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    if (!killProcessGroup(pgid, 0)) return false;
  } catch {
    return false; // EPERM: the id now belongs to someone else's group, ours is gone
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

function isBwrap(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'bwrap';
  } catch {
    return false;
  }
}

/** Signals every process of the group but its leader; false when the group is gone. */
function signalMembers(pgid: number, signal: NodeJS.Signals | number): boolean {
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (readStat(pid)?.pgrp !== pgid) continue;
    found = true;
    if (pid === pgid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** State letter, parent and process group of a pid from /proc (Linux), or undefined when it is gone. */
export function readStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  return state === undefined ? undefined : { state, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

/** Resolves true once the group is gone, false if it is still alive at the deadline. */
export async function waitGroupGone(pgid: number, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isGroupAlive(pgid)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}
