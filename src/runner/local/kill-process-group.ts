// Signals a whole process group (a step started with detached: true leads its own group).

/** Sends `signal` to process group `pid`; returns false when the group no longer exists. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals | number): boolean {
  // kill(-0) or kill(-1) would hit our own group or every process we may signal.
  if (!Number.isInteger(pid) || pid <= 1) throw new RangeError(`refusing to signal process group ${pid}`);
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
