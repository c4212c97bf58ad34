// Bounds of an evaluation context, checked before flagd's logic sees it: a context is user
// input (a browser sends it), and JSONLogic walks it. Too big or too deep is a clear
// INVALID_CONTEXT, never a stack overflow or a stalled data plane.

/** Bytes of a request body (the context and its envelope). */
export const maxContextBytes = 64 * 1024;
/** Nesting of objects and arrays inside the context. */
export const maxContextDepth = 32;

/** null when the value is within bounds, else why not. Iterative: a deep value cannot overflow the stack here. */
export function contextDepthProblem(value: unknown, maxDepth = maxContextDepth): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return `the context is nested more than ${maxDepth} levels deep`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return null;
}
