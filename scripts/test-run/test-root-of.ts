// The per-checkout directory every test of one `npm test` works under. The runner points TMPDIR
// at it, so each temp dir a test makes (and so each data dir, workspace and instance cwd) lies
// inside it; the sweep then knows the processes of this checkout's tests by that path alone.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** `<tmp>/sluice-tests-<12 hex of the checkout path>`: stable per checkout, short enough for Unix socket paths. */
export function testRootOf(checkout: string, tmp: string = os.tmpdir()): string {
  const hash = createHash('sha256').update(path.resolve(checkout)).digest('hex').slice(0, 12);
  return path.join(tmp, `sluice-tests-${hash}`);
}
