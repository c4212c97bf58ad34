// What the spec tests assert on: a file's refusals as `sluice validate` prints them, or its compiled spec.
import assert from 'node:assert/strict';
import { formatSpecIssue, parseSpec } from '../../src/spec/parse-spec.ts';
import type { Spec } from '../../src/spec/spec.ts';

/** The errors of a file that must not validate, each as FILE:LINE:COL: message. */
export function errorsOf(text: string | Uint8Array): string[] {
  const result = parseSpec(text);
  if (result.ok) assert.fail('expected errors, the file validated');
  return result.errors.map((e) => formatSpecIssue('sluice.yaml', e));
}

/** The spec of a file that must validate; its errors are the failure message otherwise. */
export function valid(text: string): Spec {
  const result = parseSpec(text);
  if (!result.ok) assert.fail(`expected a valid file, got:\n${result.errors.map((e) => formatSpecIssue('sluice.yaml', e)).join('\n')}`);
  return result.spec;
}
