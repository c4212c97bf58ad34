// The flag file parser: flagd's format read with FILE:LINE:COL errors; each kind of bad input
// refused with a clear message (and nothing parsed): unknown operator, variant type mismatch,
// default variant not among the variants, fractional weights that do not add up, a 10 MB file,
// unknown keys. `client: true` is taken out into clientFlags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlagsFile } from '../../src/flags/flags-file.ts';
import { formatSpecIssue } from '../../src/spec/parse-spec.ts';

function errorsOf(text: string | Uint8Array): string[] {
  const result = parseFlagsFile(text);
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? [] : result.errors.map((e) => formatSpecIssue('flags.yaml', e));
}

const good = `flags:
  new-checkout:
    state: ENABLED
    client: true
    variants: { on: true, off: false }
    defaultVariant: off
    targeting:
      if:
        - { $ref: beta }
        - on
        - fractional: [[on, 25], [off, 75]]
  banner-color:
    state: DISABLED
    variants: { red: "#f00", blue: "#00f" }
    defaultVariant: red
    targeting: { if: [{ sem_ver: [{ var: version }, ">=", "2.0.0"] }, blue, null] }
  plan:
    state: ENABLED
    variants: { free: { seats: 1 }, team: { seats: 10 } }
    defaultVariant: null
$evaluators:
  beta: { or: [{ starts_with: [{ var: email }, "beta-"] }, { ends_with: [{ var: email }, "@example.com"] }] }
`;

void test('a flagd file is read: client taken out into clientFlags, evaluators kept, a null default variant allowed', () => {
  const result = parseFlagsFile(good);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(Object.keys(result.file.flags), ['new-checkout', 'banner-color', 'plan']);
  assert.deepEqual(result.file.clientFlags, ['new-checkout']);
  assert.equal('client' in result.file.flags['new-checkout']!, false);
  assert.equal(result.file.flags.plan!.defaultVariant, null);
  assert.deepEqual(Object.keys(result.file.evaluators), ['beta']);
});

void test('the same file as JSON (flagd users bring .json files) reads the same', () => {
  const json = JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } }, null, 2);
  const result = parseFlagsFile(json);
  assert.ok(result.ok);
  assert.deepEqual(result.file.flags.f, { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' });
});

void test('an unknown operator is named at its line and column, with a suggestion', () => {
  const text = 'flags:\n  f:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: off\n    targeting:\n      if: [{ startswith: [{ var: email }, "a"] }, on, off]\n';
  const [error, ...rest] = errorsOf(text);
  assert.equal(rest.length, 0);
  assert.match(error!, /^flags\.yaml:7:\d+: flags\.f\.targeting\.if\[0\]\.startswith: unknown operator "startswith" \(did you mean "starts_with"\?\)/);
});

void test('variants of one flag must share one type', () => {
  const text = 'flags:\n  f:\n    state: ENABLED\n    variants:\n      on: true\n      off: "no"\n    defaultVariant: on\n';
  assert.deepEqual(errorsOf(text), ['flags.yaml:6:12: flags.f.variants.off: variant "off" is a string, but "on" is a boolean: the variants of a flag share one type']);
});

void test('a default variant not among the variants', () => {
  const text = 'flags:\n  f:\n    state: ENABLED\n    variants: { a: 1, b: 2 }\n    defaultVariant: c\n';
  assert.deepEqual(errorsOf(text), ['flags.yaml:5:21: flags.f.defaultVariant: "c" is not among the variants (a, b)']);
});

void test('fractional weights: negative, all zero, not a number, an unknown variant', () => {
  const flag = (fractional: string): string => `flags:\n  f:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: off\n    targeting: { fractional: ${fractional} }\n`;
  assert.match(errorsOf(flag('[[on, -5], [off, 105]]'))[0]!, /^flags\.yaml:6:\d+: flags\.f\.targeting\.fractional\[0\]\[1\]: fractional weight -5 is negative$/);
  assert.match(errorsOf(flag('[[on, 0], [off, 0]]'))[0]!, /^flags\.yaml:6:\d+: flags\.f\.targeting\.fractional: fractional weights are all zero/);
  assert.match(errorsOf(flag('[[on, "half"], [off, 50]]'))[0]!, /fractional weight must be a number, got "half"/);
  assert.match(errorsOf(flag('[[on, 50], [maybe, 50]]'))[0]!, /names variant "maybe", which the flag does not have/);
  // A bucketing expression first, then buckets, is flagd's form too.
  assert.ok(parseFlagsFile(flag('[{ var: email }, [on, 1], [off, 3]]')).ok);
});

void test('a 10 MB file is refused before it is read', () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
  assert.deepEqual(errorsOf(big), ['flags.yaml:1:1: the file is 10485760 bytes: at most 1048576 (1 MiB)']);
});

void test('unknown keys, at the top and in a flag, with a suggestion', () => {
  const text = 'flags:\n  f:\n    state: ENABLED\n    variants: { on: true }\n    defaultVarient: on\nflag: {}\n';
  assert.deepEqual(errorsOf(text), [
    'flags.yaml:5:5: flags.f.defaultVarient: unknown key "defaultVarient" (did you mean "defaultVariant"?)',
    'flags.yaml:6:1: flag: unknown key "flag" (did you mean "flags"?)',
  ]);
});

void test('a $ref to no evaluator, a bad state, a rule with two operators, a bad sem_ver operator', () => {
  const text = 'flags:\n  f:\n    state: ON\n    variants: { on: true, off: false }\n    defaultVariant: on\n  g:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: on\n    targeting: { if: [{ $ref: nope }, on, off] }\n  h:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: on\n    targeting: { "==": [1, 1], "!=": [1, 2] }\n';
  const errors = errorsOf(text);
  assert.match(errors.join('\n'), /flags\.yaml:3:12: flags\.f\.state: expected "ENABLED" or "DISABLED"/);
  // zod stops before the rule checks when a shape is wrong: the rest shows once state is fixed.
  const fixed = errorsOf(text.replace('state: ON', 'state: ENABLED'));
  assert.match(fixed[0]!, /^flags\.yaml:10:\d+: flags\.g\.targeting\.if\[0\]\.\$ref: \$ref "nope": no such evaluator/);
  assert.match(fixed[1]!, /^flags\.yaml:15:\d+: flags\.h\.targeting: a JSONLogic rule is a map with exactly one operator, got 2 keys/);
  assert.match(errorsOf(text.replace('state: ON', 'state: ENABLED').replace('"==": [1, 1], "!=": [1, 2]', 'sem_ver: ["1.0.0", "=>", "2.0.0"]'))[1]!, /sem_ver operator "=>"/);
});
