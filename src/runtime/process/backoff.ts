import { backoffDelay } from '../../backoff.ts';

/** Restart delays: initialMs, doubling, capped at maxMs, with jitter (src/backoff.ts); reset() starts over. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(initialMs: number, maxMs: number, random: () => number = Math.random) {
    if (!(initialMs >= 0) || !(maxMs >= initialMs)) throw new RangeError(`invalid backoff ${initialMs}..${maxMs} ms`);
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#random = random;
  }

  /** The delay before the next restart; each call doubles the following one. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.#initialMs, this.#maxMs, this.#random);
    this.#attempt += 1;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
