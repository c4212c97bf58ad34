// `npm test`: node's test runner over test/*/*.test.ts (or the files given), with every temp dir
// under one per-checkout root (TMPDIR) and every process left there swept at the start, at the
// end, and on SIGINT/SIGTERM. Output, summary lines and exit code are node's own.
// `--full` runs the long randomized tests at full size (SLUICE_TEST_FULL=1).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONCURRENCY, FILE_TIMEOUT_MS, testTimeoutsIn } from './test-run/test-budgets.ts';
import { sweepTestProcesses } from './test-run/sweep-test-processes.ts';
import { testRootOf } from './test-run/test-root-of.ts';

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = testRootOf(checkout);
const args = process.argv.slice(2);
const full = args.includes('--full');
const given = args.filter((a) => a !== '--full');

function allTestFiles(): string[] {
  const dir = path.join(checkout, 'test');
  const files: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(path.join(dir, d.name))) if (f.endsWith('.test.ts')) files.push(path.join('test', d.name, f));
  }
  // End-to-end files first: they are the long ones, and a long file started last is the suite's tail.
  const e2e = (f: string): number => (f.startsWith(path.join('test', 'e2e')) ? 0 : 1);
  return files.sort((a, b) => e2e(a) - e2e(b) || a.localeCompare(b));
}

function say(line: string): void {
  process.stderr.write(`run-tests: ${line}\n`);
}

async function sweep(when: string): Promise<void> {
  const swept = await sweepTestProcesses(root);
  if (swept.length > 0) say(`${when}: ended ${swept.length} process(es) left under ${root}: ${swept.map((p) => `${p.pid} ${p.command}`).join('; ')}`);
}

/** Refuses to run twice at once in one checkout: the sweeps would end each other's processes. */
function takeLock(): void {
  const lock = path.join(root, 'run.lock');
  try {
    const holder = Number(readFileSync(lock, 'utf8'));
    if (holder > 0 && holder !== process.pid && readFileSync(`/proc/${holder}/cmdline`, 'utf8').includes('run-tests')) {
      say(`another test run of this checkout is under way (pid ${holder}); wait for it or end it`);
      process.exit(2);
    }
  } catch {
    // no lock, or its holder is gone
  }
  writeFileSync(lock, String(process.pid));
}

const files = given.length > 0 ? given : allTestFiles();
for (const f of files) {
  const over = testTimeoutsIn(readFileSync(path.resolve(checkout, f), 'utf8')).filter((ms) => ms >= FILE_TIMEOUT_MS);
  if (over.length > 0) {
    say(`${f} asks for a ${Math.max(...over)} ms budget, not shorter than the file timeout of ${FILE_TIMEOUT_MS} ms: raise FILE_TIMEOUT_MS in scripts/test-run/test-budgets.ts`);
    process.exit(2);
  }
}

mkdirSync(root, { recursive: true });
takeLock();
await sweep('at start');
// Leftover temp dirs of earlier runs (tsx keeps its compile cache here too: keep it).
for (const entry of readdirSync(root)) if (entry !== 'run.lock' && !entry.startsWith('tsx-')) rmSync(path.join(root, entry), { recursive: true, force: true });

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${CONCURRENCY}`, `--test-timeout=${FILE_TIMEOUT_MS}`, ...files],
  {
    cwd: checkout,
    stdio: 'inherit',
    env: { ...process.env, TMPDIR: root, SLUICE_TEST_ROOT: root, ...(full ? { SLUICE_TEST_FULL: '1' } : {}) },
  },
);

let stopping: NodeJS.Signals | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = sig;
    say(`${sig}: stopping the test runner, then sweeping`);
    child.kill(sig);
    // A runner that does not stop in time is swept with the rest.
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s === 'SIGINT' ? 130 : 1))));
await sweep('at exit');
rmSync(path.join(root, 'run.lock'), { force: true });
process.exit(stopping === 'SIGINT' ? 130 : stopping === 'SIGTERM' ? 143 : code);
