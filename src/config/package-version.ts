// Sluice's version, from package.json (two folders up from src/config and from dist/config alike).
import fs from 'node:fs';

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
