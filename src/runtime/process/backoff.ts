/** Exponential restart delay: initialMs, doubling, capped at maxMs; reset() starts over. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #attempt = 0;

  constructor(initialMs: number, maxMs: number) {
    if (!(initialMs >= 0) || !(maxMs >= initialMs)) throw new RangeError(`invalid backoff ${initialMs}..${maxMs} ms`);
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** The delay before the next restart; each call doubles the following one. */
  next(): number {
    const delay = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
