// Checks a flag's `targeting` (and the shared `$evaluators`) the way flagd reads it: JSONLogic
// (https://jsonlogic.com/operations.html) plus flagd's own operators
// (https://flagd.dev/reference/custom-operations/). Pure: problems come back with the path
// of the offending node inside the rule, so the file parser can point at line and column.
import { didYouMean } from '../spec/did-you-mean.ts';

/** The operators json-logic-js knows, plus flagd's `fractional`, `sem_ver`, `starts_with`, `ends_with` and `$ref`. */
export const JSONLOGIC_OPERATORS = [
  'var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=', '!==', '!', '!!', 'or', 'and',
  '>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'map', 'reduce', 'filter', 'all', 'none', 'some',
  'merge', 'in', 'cat', 'substr', 'log',
] as const;
export const FLAGD_OPERATORS = ['fractional', 'sem_ver', 'starts_with', 'ends_with', '$ref'] as const;
const KNOWN = new Set<string>([...JSONLOGIC_OPERATORS, ...FLAGD_OPERATORS]);
const SEM_VER_OPERATORS = ['=', '!=', '<', '<=', '>', '>=', '^', '~'];
/** Deeper rules are refused: evaluation walks them recursively. */
const MAX_DEPTH = 64;

export type RulePath = readonly (string | number)[];
export interface RuleProblem {
  path: RulePath;
  message: string;
  /** Point at the key (an unknown operator) rather than its value. */
  atKey?: boolean;
}

export interface RuleContext {
  /** The flag's variant names (fractional buckets must name one); undefined inside `$evaluators`. */
  variants?: readonly string[];
  /** Names of the file's `$evaluators`, for `$ref`. */
  evaluators: readonly string[];
}

/** Every problem of one targeting rule; `{}` (no targeting) has none. */
export function checkTargeting(rule: unknown, context: RuleContext, base: RulePath = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return [{ path: base, message: 'targeting must be a map (a JSONLogic rule, or {} for none)' }];
  if (Object.keys(rule).length === 0) return [];
  walk(rule, base, context, problems, 0);
  return problems;
}

function walk(node: unknown, path: RulePath, context: RuleContext, problems: RuleProblem[], depth: number): void {
  if (depth > MAX_DEPTH) {
    problems.push({ path, message: `the rule is nested more than ${MAX_DEPTH} deep` });
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, [...path, i], context, problems, depth + 1));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    problems.push({ path, message: `a JSONLogic rule is a map with exactly one operator, got ${keys.length} keys (${keys.slice(0, 5).join(', ')})` });
    return;
  }
  const op = keys[0]!;
  const args: unknown = (node as Record<string, unknown>)[op];
  const at = [...path, op];
  if (!KNOWN.has(op)) {
    const hint = didYouMean(op, [...KNOWN]);
    problems.push({ path: at, atKey: true, message: `unknown operator "${op}"${hint ? ` (did you mean "${hint}"?)` : ''}: JSONLogic's operators and flagd's fractional, sem_ver, starts_with, ends_with, $ref` });
    return;
  }
  const before = problems.length;
  if (op === 'fractional') checkFractional(args, at, context, problems);
  else if (op === 'sem_ver') checkSemVer(args, at, problems);
  else if (op === 'starts_with' || op === 'ends_with') checkArity(op, args, 2, at, problems);
  else if (op === '$ref') checkRef(args, at, context, problems);
  if (problems.length === before && op !== '$ref' && op !== 'var') walk(args, at, context, problems, depth + 1);
}

function checkArity(op: string, args: unknown, count: number, path: RulePath, problems: RuleProblem[]): void {
  if (!Array.isArray(args) || args.length !== count) problems.push({ path, message: `${op} takes ${count} arguments, as a list` });
}

function checkSemVer(args: unknown, path: RulePath, problems: RuleProblem[]): void {
  if (!Array.isArray(args) || args.length !== 3) {
    problems.push({ path, message: 'sem_ver takes 3 arguments: [version, operator, version]' });
    return;
  }
  const op: unknown = args[1];
  if (typeof op === 'string' && !SEM_VER_OPERATORS.includes(op)) problems.push({ path: [...path, 1], message: `sem_ver operator "${op}": expected one of ${SEM_VER_OPERATORS.join(' ')}` });
}

function checkRef(args: unknown, path: RulePath, context: RuleContext, problems: RuleProblem[]): void {
  if (typeof args !== 'string') problems.push({ path, message: '$ref takes the name of an evaluator in $evaluators' });
  else if (!context.evaluators.includes(args)) problems.push({ path, message: `$ref "${args}": no such evaluator in $evaluators${context.evaluators.length ? ` (have: ${context.evaluators.join(', ')})` : ''}` });
}

/**
 * `fractional: [bucketBy?, [variant, weight], …]`: weights are relative (flagd sums them), so
 * each must be a number ≥ 0 (an absent weight is 1) and at least one above 0.
 */
function checkFractional(args: unknown, path: RulePath, context: RuleContext, problems: RuleProblem[]): void {
  if (!Array.isArray(args) || args.length === 0) {
    problems.push({ path, message: 'fractional takes a list of [variant, weight] buckets' });
    return;
  }
  const first = args[0] as unknown;
  const buckets = Array.isArray(first) ? args.map((b, i) => [b, i] as const) : args.slice(1).map((b, i) => [b, i + 1] as const);
  if (buckets.length === 0) {
    problems.push({ path, message: 'fractional has no [variant, weight] bucket' });
    return;
  }
  let total = 0;
  const before = problems.length;
  for (const [bucket, i] of buckets) {
    const at = [...path, i];
    if (!Array.isArray(bucket) || bucket.length < 1 || bucket.length > 2) {
      problems.push({ path: at, message: 'a fractional bucket is [variant, weight]' });
      continue;
    }
    const [variant, weight = 1] = bucket as [unknown, unknown?];
    if (typeof variant === 'string' && context.variants !== undefined && !context.variants.includes(variant)) {
      problems.push({ path: [...at, 0], message: `fractional bucket names variant "${variant}", which the flag does not have (variants: ${context.variants.join(', ')})` });
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight)) problems.push({ path: [...at, 1], message: `fractional weight must be a number, got ${JSON.stringify(weight)}` });
    else if (weight < 0) problems.push({ path: [...at, 1], message: `fractional weight ${weight} is negative` });
    else total += weight;
  }
  if (problems.length === before && total <= 0) problems.push({ path, message: 'fractional weights are all zero: no variant can be chosen' });
}
