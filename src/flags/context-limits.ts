// Bounds of an evaluation context, checked before flagd's logic sees it: a context is user
// input (a browser sends it), and JSONLogic walks it. Too big or too deep is a clear
// INVALID_CONTEXT, never a stack overflow or a stalled data plane.

/** Bytes of a request body (the context and its envelope). */
export const maxContextBytes = 64 * 1024;
/** Nesting of objects and arrays inside the context. */
export const maxContextDepth = 32;

/**
 * null when the value is within bounds, else why not. Recursion stops at `maxDepth`, so a deep
 * value cannot overflow the stack here; it walks the values in place (a flat context, the common
 * one, allocates nothing: this runs on every evaluation).
 */
export function contextDepthProblem(value: unknown, maxDepth = maxContextDepth): string | null {
  return tooDeep(value, 0, maxDepth) ? `the context is nested more than ${maxDepth} levels deep` : null;
}

function tooDeep(v: unknown, depth: number, maxDepth: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (depth >= maxDepth) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (tooDeep(v[i], depth + 1, maxDepth)) return true;
    return false;
  }
  for (const k in v) if (Object.hasOwn(v, k) && tooDeep((v as Record<string, unknown>)[k], depth + 1, maxDepth)) return true;
  return false;
}
