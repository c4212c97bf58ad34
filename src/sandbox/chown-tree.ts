// Hands a directory tree to the sandbox user (when Sluice runs as root): a step writes its
// workspace, an instance reads its release, as that user. Entries it already owns are left
// alone, so a second step of the same workspace costs only the walk.
import { lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  const st = await lstat(dir);
  if (st.uid !== uid || st.gid !== gid) await lchown(dir, uid, gid);
  if (!st.isDirectory()) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else {
      const s = await lstat(p);
      if (s.uid !== uid || s.gid !== gid) await lchown(p, uid, gid);
    }
  }
}
