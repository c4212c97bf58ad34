// Failed authentications per source address in a fixed window. Past the limit, failures are
// answered 429 with Retry-After instead of 401. Only failures are counted and only failures are
// refused: a valid token from the same address is never slowed (tokens have 192 random bits, so
// the limit is about noise and cost, not about guessing).
export interface FailureLimit {
  /** Failures allowed per address per window. */
  max: number;
  windowMs: number;
}

export const defaultFailureLimit: FailureLimit = { max: 30, windowMs: 60_000 };

/** Addresses remembered at most; the oldest window is forgotten first (bounded memory under a spray of addresses). */
const maxAddresses = 10_000;

export class FailureLimiter {
  private readonly limit: FailureLimit;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(limit: FailureLimit) {
    this.limit = limit;
  }

  /**
   * Counts one failure of `address` at `now` (ms). Returns 0 while under the limit, else the
   * milliseconds until the window ends; `first` is true for the failure that crossed the limit.
   */
  fail(address: string, now: number): { retryAfterMs: number; first: boolean } {
    let w = this.windows.get(address);
    if (!w || now - w.start >= this.limit.windowMs) {
      this.windows.delete(address);
      w = { start: now, count: 0 };
      this.windows.set(address, w);
      if (this.windows.size > maxAddresses) this.windows.delete(this.windows.keys().next().value!);
    }
    w.count++;
    if (w.count <= this.limit.max) return { retryAfterMs: 0, first: false };
    return { retryAfterMs: w.start + this.limit.windowMs - now, first: w.count === this.limit.max + 1 };
  }
}
