// Keys the OFREP handler has verified, so that a client's next request with the same key costs a
// map read instead of a parse, a SHA-256 and a compare (on one keep-alive connection the answer's
// latency is the throughput: bench/flags). An entry holds the environment's ServedFlags it was
// checked against; a publish swaps that object (new keys with it), so the entry stops matching and
// the key is checked again. Only keys that passed are kept, at most `max` of them: a spray of bad
// keys never grows the map. A lookup compares the presented string with a stored one only after
// their hashes match, so a guess learns nothing about a valid key's characters.
import type { FlagKeyScope } from './flag-keys.ts';

export interface VerifiedKey<Served> {
  key: FlagKeyScope;
  served: Served;
}

export class VerifiedKeys<Served> {
  private readonly entries = new Map<string, VerifiedKey<Served>>();
  private readonly max: number;

  constructor(max = 1024) {
    this.max = max;
  }

  /** The entry of `token` while `current` (the environment's flags served now) is the one it was verified against. */
  get(token: string, current: (key: FlagKeyScope) => Served | undefined): VerifiedKey<Served> | undefined {
    const hit = this.entries.get(token);
    if (hit === undefined) return undefined;
    if (current(hit.key) === hit.served) return hit;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, entry: VerifiedKey<Served>): void {
    // Full: the oldest goes (a Map keeps insertion order).
    if (this.entries.size >= this.max && !this.entries.has(token)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
