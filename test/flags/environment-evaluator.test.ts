// The evaluator against flagd's own published cases (flagd-testbed's evaluator gherkin) and
// against flagd-core called directly: same values, variants and reasons, fractional included.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FlagdCore } from '@openfeature/flagd-core';
import { EnvironmentEvaluator, loadFlagd } from '../../src/flags/environment-evaluator.ts';
import type { EnvironmentFlags } from '../../src/flags/environment-flags.ts';
import type { Evaluation } from '../../src/flags/flag-evaluator.ts';
import { readTestbedCases, testbedDir, type TestbedCase } from './flagd-testbed-kit.ts';

const testkit = JSON.parse(fs.readFileSync(path.join(testbedDir, 'testkit-flags.json'), 'utf8')) as { flags: EnvironmentFlags['flags']; $evaluators?: Record<string, unknown> };

function envFlags(over: Partial<EnvironmentFlags> = {}): EnvironmentFlags {
  return { project: 'shop', environment: 'production', version: 1, flags: testkit.flags, evaluators: testkit.$evaluators ?? {}, clientFlags: [], archived: [], ...over };
}

const typeOf = (t: string): string => (t === 'Integer' || t === 'Float' ? 'number' : t === 'Object' ? 'object' : t.toLowerCase());

/** What an OpenFeature SDK makes of an untyped evaluation for a typed call (as the OFREP providers do). */
function resolved(e: Evaluation, c: TestbedCase): { value: unknown; reason: string; errorCode?: string } {
  if (e.reason === 'ERROR') return { value: c.fallback, reason: 'ERROR', errorCode: e.errorCode };
  if (e.variant === undefined) return { value: c.fallback, reason: e.reason };
  if (typeof e.value !== typeOf(c.type)) return { value: c.fallback, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' };
  return { value: e.value, reason: e.reason };
}

void describe('EnvironmentEvaluator', async () => {
  const Core = await loadFlagd();
  const evaluator = new EnvironmentEvaluator(Core, envFlags());
  const { cases, skipped } = readTestbedCases();

  void it('reads flagd-testbed cases (fractional v2, targeting, sem_ver, string ops, $ref, disabled)', () => {
    assert.ok(cases.length >= 80, `only ${cases.length} cases read; skipped: ${skipped.join(', ')}`);
    assert.ok(cases.some((c) => c.flagKey.startsWith('fractional')));
  });

  void it('answers every flagd-testbed case as flagd does', () => {
    const failures: string[] = [];
    for (const c of cases) {
      const r = resolved(evaluator.evaluate(c.flagKey, c.context), c);
      if (JSON.stringify(r.value) !== JSON.stringify(c.value)) failures.push(`${c.name}: value ${JSON.stringify(r.value)}, want ${JSON.stringify(c.value)}`);
      if (c.reason !== undefined && r.reason !== c.reason) failures.push(`${c.name}: reason ${r.reason}, want ${c.reason}`);
      if (c.errorCode !== undefined && r.errorCode !== c.errorCode) failures.push(`${c.name}: error ${r.errorCode}, want ${c.errorCode}`);
    }
    assert.deepEqual(failures, []);
  });

  void it('gives the variant flagd-core gives, for 20,000 users of a fractional split', () => {
    const direct = new FlagdCore();
    direct.setConfigurations(JSON.stringify({ flags: testkit.flags, $evaluators: testkit.$evaluators }));
    const keys = Object.keys(testkit.flags).filter((k) => k.startsWith('fractional'));
    assert.ok(keys.length > 0);
    for (const key of keys) {
      for (let i = 0; i < 20_000 / keys.length; i++) {
        const ctx = { targetingKey: `user-${i}`, user: { name: `n${i}` } };
        const ours = evaluator.evaluate(key, ctx);
        const theirs = direct.resolveStringEvaluation(key, 'fallback', ctx);
        assert.equal(ours.reason === 'ERROR' ? null : (ours.variant ?? null), theirs.variant ?? null, `${key} user-${i}`);
      }
    }
  });

  void it('answers FLAG_NOT_FOUND for an archived or unknown flag, DISABLED without a value for a disabled one', () => {
    const e = new EnvironmentEvaluator(Core, envFlags({ flags: { on: { state: 'DISABLED', variants: { a: true }, defaultVariant: 'a' } }, archived: ['gone'] }));
    const gone = e.evaluate('gone', {});
    assert.equal(gone.reason, 'ERROR');
    assert.equal(gone.reason === 'ERROR' && gone.errorCode, 'FLAG_NOT_FOUND');
    assert.match(gone.reason === 'ERROR' ? gone.errorDetails : '', /archived/);
    assert.equal(e.evaluate('nope', {}).reason, 'ERROR');
    assert.deepEqual(e.evaluate('on', {}), { key: 'on', reason: 'DISABLED', metadata: {} });
    assert.deepEqual(e.keys, ['on', 'gone']);
  });

  void it('says TARGETING_KEY_MISSING when a split by targeting key gets no key', () => {
    const e = new EnvironmentEvaluator(Core, envFlags({ flags: { split: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } } } }));
    const r = e.evaluate('split', {});
    assert.equal(r.reason === 'ERROR' && r.errorCode, 'TARGETING_KEY_MISSING');
    const hit = e.evaluate('split', { targetingKey: 'u1' });
    assert.ok(hit.reason !== 'ERROR' && hit.variant);
  });

  void it('a new version built on the previous one answers the new definitions (unchanged flags keep their compiled rules)', () => {
    const v1 = new EnvironmentEvaluator(Core, envFlags());
    const changed = { ...testkit.flags, 'targeting-key-flag': { state: 'ENABLED' as const, variants: { hit: 'hit', miss: 'miss' }, defaultVariant: 'hit' } };
    const v2 = new EnvironmentEvaluator(Core, envFlags({ version: 2, flags: changed }), v1);
    const ctx = { targetingKey: 'f20bd32d-703b-48b6-bc8e-79d53c85134a' };
    const before = v1.evaluate('targeting-key-flag', ctx);
    const after = v2.evaluate('targeting-key-flag', ctx);
    assert.deepEqual([before.reason !== 'ERROR' && before.variant, after.reason !== 'ERROR' && after.variant, after.reason], ['miss', 'hit', 'STATIC']);
    for (const c of cases.filter((x) => x.flagKey !== 'targeting-key-flag')) assert.deepEqual(v2.evaluate(c.flagKey, c.context), v1.evaluate(c.flagKey, c.context), c.name);
  });

  void it('refuses flags flagd refuses, naming them', () => {
    assert.throws(() => new EnvironmentEvaluator(Core, envFlags({ flags: { f: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'b' } } })), /refused by flagd.*Default variant b/);
  });
});
