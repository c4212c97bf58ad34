// The environment-wide bound on instance logs. Each InstanceLog keeps its own share, but shares
// are fixed when an instance starts, and the files of removed instances (earlier releases) stay
// behind: this sweep removes files past the age limit, then the oldest files of an environment
// until it is within its cap. A file an instance still writes is never removed (its writes would
// go to an unlinked inode); its own rotation bounds it.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentOfInstance, type InstanceLogPolicy } from './instance-log-policy.ts';

const LOG_FILE = /^(.+)\.log(?:\.([1-9][0-9]{0,5}))?$/;

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** The file a live instance writes to. */
  writing: boolean;
}

/** Returns the removed paths. `live` holds the ids of the instances in the desired state. */
export async function sweepInstanceLogs(dir: string, policy: InstanceLogPolicy, live: Set<string>, now: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const byEnvironment = new Map<string, FoundFile[]>();
  const removed: string[] = [];
  for (const name of names) {
    const match = LOG_FILE.exec(name);
    if (!match) continue;
    const id = match[1]!;
    const path = join(dir, name);
    const s = await stat(path).catch(() => null);
    if (!s?.isFile()) continue;
    const writing = match[2] === undefined && live.has(id);
    if (!writing && now - s.mtimeMs > policy.maxAgeMs) {
      await rm(path, { force: true });
      removed.push(path);
      continue;
    }
    const env = environmentOfInstance(id);
    const files = byEnvironment.get(env) ?? [];
    files.push({ path, size: s.size, mtimeMs: s.mtimeMs, writing });
    byEnvironment.set(env, files);
  }
  for (const files of byEnvironment.values()) {
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const f of files.filter((x) => !x.writing).sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      if (total <= policy.maxBytesPerEnvironment) break;
      await rm(f.path, { force: true });
      removed.push(f.path);
      total -= f.size;
    }
  }
  return removed;
}
