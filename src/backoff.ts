// The one retry delay of Sluice: exponential, capped, with "equal jitter" (half the exponential
// delay plus a random share of the other half). Many clients that failed together (instances of
// one release, statuses to one host) spread out, yet none retries sooner than half the delay.

/** The delay before retry `attempt` (0 for the first): up to initialMs·2^attempt, capped at maxMs. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
