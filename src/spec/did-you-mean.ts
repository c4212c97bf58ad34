// Suggest the allowed key a person most likely meant: `tiemout` → `timeout`.

/** The closest candidate within edit distance 2 (or sharing a prefix), or undefined. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    let score = levenshtein(lower, other);
    const prefix = lower.length >= 3 && other.length >= 3 && (other.startsWith(lower) || lower.startsWith(other));
    if (score > 2 && !prefix) continue;
    // A prefix (`time` → `timeout`) beats an equally distant unrelated word.
    if (prefix) score = Math.min(score, 1);
    if (best === undefined || score < best.score) best = { candidate, score };
  }
  return best?.candidate;
}

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
