// Number formatting for the human `reason` of a decision.

const subscripts = '₀₁₂₃₄₅₆₇₈₉';

export function subscript(n: number): string {
  return String(n).replace(/\d/g, (d) => subscripts[Number(d)]!);
}

export function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

/** Probabilities: two significant digits, scientific below 1e-4. */
export function prob(x: number): string {
  if (x === 0) return '0';
  return x >= 1e-4 ? String(Number(x.toPrecision(2))) : x.toExponential(1);
}

export function ms(x: number | null, overflow = false): string {
  if (x === null) return 'n/a';
  return `${overflow ? '>' : ''}${String(Number(x.toFixed(x < 10 ? 2 : 1)))}ms`;
}
