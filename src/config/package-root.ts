// The installed package's root (the folder of package.json and bin/), found from this module's
// own place: src/config through tsx, dist/config compiled, dist/sluice bundled.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'sluice.js'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json with bin/sluice.js above ${start}`);
  }
}
