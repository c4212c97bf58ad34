// Branch, tag and path patterns of `triggers`, matched by picomatch: `*` within a segment,
// `**` across segments, `{a,b}`, `[0-9]`. A list is read in order, as GitHub Actions reads its
// filters: a match includes, a later `!pattern` match excludes again (and a list of only
// negations starts from everything).
import picomatch from 'picomatch';

type Matcher = (value: string) => boolean;

function compile(patterns: readonly string[]): Array<{ negated: boolean; test: Matcher }> {
  return patterns.map((p) => {
    const negated = p.startsWith('!');
    return { negated, test: picomatch(negated ? p.slice(1) : p, { dot: true }) };
  });
}

export function matchesAny(value: string, patterns: readonly string[]): boolean {
  const compiled = compile(patterns);
  let matched = compiled.length > 0 && compiled.every((c) => c.negated);
  for (const c of compiled) if (c.test(value)) matched = !c.negated;
  return matched;
}
