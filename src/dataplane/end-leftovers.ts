// A data plane that crashed (SIGKILL) leaves its instances running in their own process
// groups. The next data plane ends them before starting the desired instances afresh, so
// nothing runs twice. A recorded pid is only signalled when it still runs inside this data
// directory (after a reboot the number may belong to someone else).
import fs from 'node:fs';
import path from 'node:path';
import { killProcessGroup } from '../runtime/process/process-group.ts';

function runsInside(pid: number, dir: string): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(path.resolve(dir) + path.sep);
  } catch {
    return false;
  }
}

export async function endLeftovers(pids: Record<string, number>, dataDir: string, log: (line: string) => void): Promise<void> {
  const left = Object.entries(pids).filter(([, pid]) => pid > 1 && runsInside(pid, dataDir));
  if (!left.length) return;
  log(`ending ${left.length} instance(s) left by an earlier data plane: ${left.map(([id, pid]) => `${id} (${pid})`).join(', ')}`);
  for (const [, pid] of left) killProcessGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && left.some(([, pid]) => runsInside(pid, dataDir))) await new Promise((r) => setTimeout(r, 100));
  for (const [, pid] of left) killProcessGroup(pid, 'SIGKILL');
}
