// Lease holders are named host:pid:random. A holder on this host whose pid is gone is dead
// at once; elsewhere its lease lapses by time.
import { randomBytes } from 'node:crypto';

export function newOwner(hostname: string, pid: number): string {
  return `${hostname}:${pid}:${randomBytes(4).toString('hex')}`;
}

export function isHolderDead(owner: string, me: string, hostname: string, alive: (pid: number) => boolean): boolean {
  if (owner === me) return false;
  const [host, pidText] = owner.split(':');
  if (host !== hostname) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true; // an earlier incarnation that had our pid
  return !alive(pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
