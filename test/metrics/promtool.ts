// `promtool check metrics` (Debian package prometheus) over a text exposition: its exit code
// and what it printed. Tests that need it fail with the reason when it is missing.
import { spawnSync } from 'node:child_process';

export function promtoolCheck(text: string): { code: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`promtool could not run (install the Debian package prometheus): ${r.error.message}`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}
