// sluice.yaml text → compiled Spec, or every problem in it with its line and column.
import { LineCounter, isMap, parseDocument } from 'yaml';
import { compileSpec } from './compile-spec.ts';
import { duplicateDomains } from './duplicate-domains.ts';
import { specSchemas } from './schema.ts';
import type { Spec } from './spec.ts';
import { at, issueToSpecIssues, sortIssues, specErrorMap, yamlIssue } from './spec-issues.ts';
import type { IssueContext, SpecIssue } from './spec-issues.ts';
import { specText } from './spec-text.ts';
import { keysInOrder } from './yaml-locate.ts';

export type { SpecIssue } from './spec-issues.ts';

export type ParseSpecResult = { readonly ok: true; readonly spec: Spec } | { readonly ok: false; readonly errors: readonly SpecIssue[] };

/** Bytes (as read from a file or a commit) or text; bytes must be UTF-8. */
export function parseSpec(input: string | Uint8Array): ParseSpecResult {
  const decoded = specText(input);
  if (!decoded.ok) return { ok: false, errors: decoded.errors };
  const text = decoded.text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: SpecIssue[] = doc.errors.map((error) => yamlIssue(error, lineCounter));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // toJS refuses alias bombs and the like; position at the start of the file.
    errors.push({ line: 1, col: 1, message: `cannot read the YAML: ${error instanceof Error ? error.message : String(error)}`, path: [] });
    return { ok: false, errors: sortIssues(errors) };
  }
  const context: IssueContext = { doc, lineCounter, data };

  if (doc.contents === null || data === null || data === undefined) {
    if (errors.length === 0) errors.push({ line: 1, col: 1, message: 'the file is empty: expected a map with keys such as build, test, services', path: [] });
    return { ok: false, errors: sortIssues(errors) };
  }
  if (!isMap(doc.contents)) {
    errors.push(at(context, [], 'value', 'expected a map at the top of the file (keys such as build, test, services)'));
    return { ok: false, errors: sortIssues(errors) };
  }

  const result = specSchemas().rawSpecSchema.safeParse(data, { error: specErrorMap });
  if (!result.success) errors.push(...result.error.issues.flatMap((issue) => issueToSpecIssues(issue, context)));
  else errors.push(...duplicateDomains(result.data, keysInOrder(doc, ['environments']) ?? []).map((d) => at(context, d.path, 'value', d.message)));
  if (errors.length > 0 || !result.success) return { ok: false, errors: sortIssues(errors) };

  const spec = compileSpec(result.data, {
    services: keysInOrder(doc, ['services']),
    environments: keysInOrder(doc, ['environments']),
  });
  return { ok: true, spec };
}

/** `FILE:LINE:COL: message`, the form editors and `sluice validate` print. */
export function formatSpecIssue(file: string, issue: SpecIssue): string {
  return `${file}:${issue.line}:${issue.col}: ${issue.message}`;
}
