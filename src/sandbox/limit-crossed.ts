// Which sandbox limit a failed step or instance most likely crossed, to name it in the log.
// A file-size crossing is certain (SIGXFSZ); the others show only as failing system calls, so
// the last output lines are read for their standard messages.
import { formatSize } from '../spec/size.ts';
import { LIMIT_KEYS, type SandboxLimits } from './sandbox-limits.ts';

const PATTERNS: ReadonlyArray<[keyof SandboxLimits, RegExp]> = [
  ['fileSizeBytes', /File too large|EFBIG/],
  ['openFiles', /Too many open files|EMFILE/],
  ['processes', /Cannot fork|fork: (?:retry: )?Resource temporarily unavailable|pthread_create|EAGAIN/],
  ['memoryBytes', /Cannot allocate memory|ENOMEM|out of memory|bad_alloc|Allocation failed|allocation failure/i],
];

function describe(key: keyof SandboxLimits, limits: SandboxLimits): string {
  const value = key === 'memoryBytes' || key === 'fileSizeBytes' ? formatSize(limits[key]) : String(limits[key]);
  const what = { memoryBytes: 'memory', processes: 'process-count', openFiles: 'open-files', fileSizeBytes: 'file-size' }[key];
  return `the sandbox's ${what} limit (limits.${LIMIT_KEYS[key]}: ${value}) was reached`;
}

/** The limit crossed, as a sentence, or null when nothing points at one. */
export function limitCrossed(signal: string | null, lines: readonly string[], limits: SandboxLimits): string | null {
  if (signal === 'SIGXFSZ') return describe('fileSizeBytes', limits);
  for (const [key, pattern] of PATTERNS) if (lines.some((l) => pattern.test(l))) return describe(key, limits);
  return null;
}
