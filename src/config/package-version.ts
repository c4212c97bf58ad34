// Sluice's version, from the package's own package.json.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.ts';

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
