// Budgets of `npm test`, in one place so that the runner and its check agree.

/** Node 20's --test-timeout cancels a whole file after this long; no test may ask for more. */
export const FILE_TIMEOUT_MS = 1_800_000;

/** Test files run at once: an end-to-end file is a server, a data plane and instances; 2 fit 2 cores. */
export const CONCURRENCY = 2;

/** `{ timeout: ... }` options of tests, with every number they name (a ternary names two). */
export function testTimeoutsIn(source: string): number[] {
  const out: number[] = [];
  for (const m of source.matchAll(/\{\s*timeout:\s*([^}]*)\}/g)) {
    for (const n of (m[1] ?? '').matchAll(/\b\d[\d_]*\b/g)) out.push(Number(n[0].replaceAll('_', '')));
  }
  return out;
}
