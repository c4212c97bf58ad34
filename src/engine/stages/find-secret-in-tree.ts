// Before a workspace becomes an artifact: no file may hold a build secret's value, since an
// artifact is kept, unpacked and deployed many times. Only run when the build got secrets.
import fs from 'node:fs/promises';
import path from 'node:path';

const maxFileBytes = 64 * 1024 * 1024;

export async function findSecretInTree(dir: string, secrets: Record<string, string>): Promise<{ key: string; file: string } | null> {
  const needles = Object.entries(secrets)
    .filter(([, v]) => v.length >= 4)
    .map(([key, v]) => ({ key, bytes: Buffer.from(v) }));
  if (!needles.length) return null;
  const walk = async (d: string): Promise<{ key: string; file: string } | null> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (d === dir && entry.name === '.git') continue;
        const hit = await walk(full);
        if (hit) return hit;
      } else if (entry.isFile()) {
        const { size } = await fs.stat(full);
        if (size > maxFileBytes) continue;
        const content = await fs.readFile(full);
        for (const n of needles) if (content.includes(n.bytes)) return { key: n.key, file: path.relative(dir, full) };
      }
    }
    return null;
  };
  return walk(dir);
}
