// zod issues → SpecIssues that point at the text: the value node of a wrong value, the key
// node of an unknown key, the parent map of a missing key.
import { z } from 'zod';
import type { Document, LineCounter, Node, YAMLError } from 'yaml';
import { didYouMean } from './did-you-mean.ts';
import { locate } from './yaml-locate.ts';
import type { SpecPath } from './yaml-locate.ts';

export type SpecIssue = {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  readonly message: string;
  readonly path: readonly (string | number)[];
};

type ZodIssue = z.core.$ZodIssue;

// The error map passes the allowed keys of a strict object through the issue message (the
// only channel zod offers); issueToSpecIssues always replaces that message.
const ALLOWED_KEYS_PREFIX = 'allowed-keys:';

/** Per-parse zod error map: plain-language messages where the schema sets none. */
export function specErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      return ALLOWED_KEYS_PREFIX + JSON.stringify(allowed);
    }
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `expected a number ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      return `expected a number ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    default:
      return undefined;
  }
}

export type IssueContext = { readonly doc: Document; readonly lineCounter: LineCounter; readonly data: unknown };

export function issueToSpecIssues(issue: ZodIssue, context: IssueContext, base: SpecPath = []): SpecIssue[] {
  const path = [...base, ...issue.path.map(segment)];
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && isMissing(context.data, path)) {
    return [at(context, path.slice(0, -1), 'value', `missing required key "${String(path[path.length - 1])}"`)];
  }
  switch (issue.code) {
    case 'invalid_union': {
      // Follow the branch whose type matched (a map given where a string or a map is
      // allowed); when none matched, the union's own message says what was expected.
      // (A literal given a map says invalid_value, not invalid_type: that branch did not match either.)
      const matched = issue.errors.find((branch) => !branch.some((inner) => inner.path.length === 0 && (inner.code === 'invalid_type' || inner.code === 'invalid_value')));
      if (matched !== undefined && matched.length > 0) return matched.flatMap((inner) => issueToSpecIssues(inner, context, path));
      return [at(context, path, 'value', `${issue.message}, got ${describeValue(valueAt(context.data, path))}`)];
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(issue.message);
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, allowed);
        const hint = suggestion === undefined ? (allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '') : ` (did you mean "${suggestion}"?)`;
        return at(context, [...path, key], 'key', `unknown key "${key}"${hint}`);
      });
    }
    case 'invalid_key': {
      const message = issue.issues[0]?.message ?? issue.message;
      return [at(context, path, 'key', `${JSON.stringify(String(path[path.length - 1]))} ${message}`)];
    }
    default:
      return [at(context, path, 'value', issue.message)];
  }
}

/** An issue at the node of `path`; `key` prefers the key node (unknown and invalid keys). */
export function at(context: IssueContext, path: SpecPath, prefer: 'key' | 'value', message: string): SpecIssue {
  const located = locate(context.doc, path);
  const node = (prefer === 'key' ? located.key : undefined) ?? usable(located.value) ?? located.key ?? located.deepest;
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = context.lineCounter.linePos(offset);
  const where = formatPath(path);
  return { line, col, message: where === '' ? message : `${where}: ${message}`, path };
}

/** `test[0].timeout`. */
export function formatPath(path: SpecPath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}

// An empty value (`build:`) starts where its key's line ends; the key is the better mark.
function usable(node: Node | undefined): Node | undefined {
  if (node === undefined) return undefined;
  const range = node.range;
  if (range !== undefined && range !== null && range[0] === range[1]) return undefined;
  return node;
}

function isMissing(data: unknown, path: SpecPath): boolean {
  let value = data;
  for (const [index, part] of path.entries()) {
    if (value === null || typeof value !== 'object') return false;
    if (!Object.hasOwn(value, part)) return index === path.length - 1;
    value = (value as Record<string | number, unknown>)[part];
  }
  return false;
}

function valueAt(data: unknown, path: SpecPath): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function allowedKeys(message: string): string[] {
  if (!message.startsWith(ALLOWED_KEYS_PREFIX)) return [];
  const parsed: unknown = JSON.parse(message.slice(ALLOWED_KEYS_PREFIX.length));
  return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
}

function segment(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  null: 'nothing',
};

function article(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value === 'number' ? 'the number' : ''} ${String(value)}`.trim();
  return typeof value;
}

/** A YAML syntax error at its line and column. */
export function yamlIssue(error: YAMLError, lineCounter: LineCounter): SpecIssue {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  // yaml's messages may end with " at line L, column C:" and a snippet; the position is ours.
  const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  return { line, col, message: `YAML: ${message}`, path: [] };
}

/** By position, first of each (line, column, message) kept. */
export function sortIssues(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.index - b.index)
    .map(({ issue }) => issue)
    .filter((issue) => {
      const key = `${issue.line}:${issue.col}:${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
