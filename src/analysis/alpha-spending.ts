// Sequential validity by spending alpha over looks: look k may reject at
// alpha_k = alpha · 6 / (π² k²). Since Σ 1/k² = π²/6, the alphas sum to alpha over any number of
// looks, so by the union bound the chance that ANY look of a null comparison rejects is ≤ alpha,
// whatever the dependence between looks and however often the caller looks.

/** The significance level of look `look` (1-based) under a total budget `alpha`. */
export function alphaForLook(alpha: number, look: number): number {
  return (alpha * 6) / (Math.PI * Math.PI * look * look);
}
