// The flag file a sluice.yaml names (`flags: flags.yaml`, or .json): flagd's flag-definition
// format (https://flagd.dev/reference/flag-definitions/) plus one Sluice key per flag,
// `client: true` (browsers' public key may evaluate it). Text → FlagFile, or every problem with
// its line and column, like sluice.yaml (the same YAML reader and zod issue mapping).
import { LineCounter, isMap, parseDocument } from 'yaml';
import { z } from 'zod';
import { at, issueToSpecIssues, sortIssues, specErrorMap, yamlIssue, type IssueContext, type SpecIssue } from '../spec/spec-issues.ts';
import { specText } from '../spec/spec-text.ts';
import type { FlagDefinition } from './flag-definition.ts';
import { variantType, type FlagFile } from './flag-file.ts';
import { checkTargeting, type RuleProblem } from './targeting-rules.ts';

export type ParseFlagsResult = { readonly ok: true; readonly file: FlagFile } | { readonly ok: false; readonly errors: readonly SpecIssue[] };

/** OFREP puts the key in a URL path: letters, digits, `_ . -`, as flagd files use them. */
export const FLAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const flagValue = z.union([z.boolean(), z.string(), z.number(), z.record(z.string(), z.unknown()), z.array(z.unknown())], { error: 'expected a boolean, string, number or object' });
const metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }));

const rawFlagSchema = z.strictObject({
  state: z.enum(['ENABLED', 'DISABLED']),
  variants: z.record(z.string().min(1), flagValue).refine((v) => Object.keys(v).length > 0, { error: 'a flag needs at least one variant' }),
  defaultVariant: z.string().nullable().optional(),
  targeting: z.record(z.string(), z.unknown()).optional(),
  metadata: metadata.optional(),
  client: z.boolean().optional().describe('Sluice: browsers\' public key may evaluate this flag.'),
});

const rawFileSchema = z.strictObject({
  $schema: z.string().optional(),
  flags: z.record(z.string().regex(FLAG_KEY, { error: 'is not a flag key: letters, digits, _ . - (at most 128)' }), rawFlagSchema),
  $evaluators: z.record(z.string(), z.unknown()).optional(),
  metadata: metadata.optional(),
});

type RawFlag = z.output<typeof rawFlagSchema>;

/** Bytes (from a commit or a file) or text of a flag file. */
export function parseFlagsFile(input: string | Uint8Array): ParseFlagsResult {
  const decoded = specText(input, 'the flag file');
  if (!decoded.ok) return { ok: false, errors: decoded.errors };
  const lineCounter = new LineCounter();
  const doc = parseDocument(decoded.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: SpecIssue[] = doc.errors.map((error) => yamlIssue(error, lineCounter));
  if (errors.length > 0) return { ok: false, errors };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, errors: [{ line: 1, col: 1, message: `cannot read the file: ${error instanceof Error ? error.message : String(error)}`, path: [] }] };
  }
  const context: IssueContext = { doc, lineCounter, data };
  if (!isMap(doc.contents)) return { ok: false, errors: [at(context, [], 'value', 'expected a map with the key "flags" (flagd\'s flag-definition format)')] };
  const result = rawFileSchema.safeParse(data, { error: specErrorMap });
  if (!result.success) return { ok: false, errors: sortIssues(result.error.issues.flatMap((issue) => issueToSpecIssues(issue, context))) };
  const evaluatorNames = Object.keys(result.data.$evaluators ?? {});
  const problems: RuleProblem[] = [];
  for (const [name, rule] of Object.entries(result.data.$evaluators ?? {})) problems.push(...checkTargeting(rule, { evaluators: evaluatorNames }, ['$evaluators', name]));
  for (const [key, flag] of Object.entries(result.data.flags)) problems.push(...flagProblems(key, flag, evaluatorNames));
  if (problems.length > 0) return { ok: false, errors: sortIssues(problems.map((p) => at(context, p.path, p.atKey ? 'key' : 'value', p.message))) };
  const flags: Record<string, FlagDefinition> = {};
  const clientFlags: string[] = [];
  for (const [key, raw] of Object.entries(result.data.flags)) {
    const { client, ...flag } = raw;
    flags[key] = { ...flag, defaultVariant: flag.defaultVariant ?? null };
    if (client === true) clientFlags.push(key);
  }
  return { ok: true, file: { flags, evaluators: result.data.$evaluators ?? {}, clientFlags: clientFlags.sort() } };
}

/** What is wrong with one flag beyond its shape: variant types, the default variant, its targeting. */
export function flagProblems(key: string, flag: Omit<RawFlag, 'client'> & { defaultVariant?: string | null }, evaluators: readonly string[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const base = ['flags', key];
  const entries = Object.entries(flag.variants);
  const [firstName, firstValue] = entries[0] ?? [];
  if (firstName !== undefined && firstValue !== undefined) {
    const type = variantType(firstValue);
    for (const [name, value] of entries.slice(1)) {
      if (variantType(value) !== type) problems.push({ path: [...base, 'variants', name], message: `variant "${name}" is ${article(variantType(value))}, but "${firstName}" is ${article(type)}: the variants of a flag share one type` });
    }
  }
  const names = entries.map(([name]) => name);
  if (typeof flag.defaultVariant === 'string' && !names.includes(flag.defaultVariant)) {
    problems.push({ path: [...base, 'defaultVariant'], message: `"${flag.defaultVariant}" is not among the variants (${names.join(', ')})` });
  }
  if (flag.targeting !== undefined) problems.push(...checkTargeting(flag.targeting, { variants: names, evaluators }, [...base, 'targeting']));
  return problems;
}

function article(type: string): string {
  return type === 'object' ? 'an object' : `a ${type}`;
}
