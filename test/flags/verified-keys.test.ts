// The OFREP handler's cache of verified keys, and the context depth bound that runs beside it on
// every evaluation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextDepthProblem, maxContextDepth } from '../../src/flags/context-limits.ts';
import type { FlagKeyScope } from '../../src/flags/ofrep/flag-keys.ts';
import { VerifiedKeys } from '../../src/flags/ofrep/verified-keys.ts';

const scope = (environment: string): FlagKeyScope => ({ kind: 'server', project: 'shop', environment });

void test('a verified key answers while its environment serves the same flags, and is forgotten when they are replaced', () => {
  const served = new Map<string, object>([['production', { v: 1 }]]);
  const current = (k: FlagKeyScope): object | undefined => served.get(k.environment);
  const keys = new VerifiedKeys<object>();
  keys.set('k1', { key: scope('production'), served: served.get('production')! });
  assert.equal(keys.get('k1', current)?.key.environment, 'production');
  assert.equal(keys.get('other', current), undefined);
  served.set('production', { v: 2 }); // a publish: new flags, new key hashes
  assert.equal(keys.get('k1', current), undefined);
  assert.equal(keys.size, 0, 'the stale entry is dropped');
  keys.set('k1', { key: scope('production'), served: served.get('production')! });
  served.delete('production'); // withdrawn
  assert.equal(keys.get('k1', current), undefined);
});

void test('at most max keys are kept; the oldest goes first', () => {
  const flags = {};
  const keys = new VerifiedKeys<object>(3);
  for (const k of ['a', 'b', 'c', 'd']) keys.set(k, { key: scope('production'), served: flags });
  assert.equal(keys.size, 3);
  const current = (): object => flags;
  assert.equal(keys.get('a', current), undefined);
  assert.deepEqual(['b', 'c', 'd'].map((k) => keys.get(k, current) !== undefined), [true, true, true]);
});

void test('context depth: objects and arrays nested up to the bound pass, one level more is refused', () => {
  const nest = (levels: number, wrap: (v: unknown) => unknown): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < levels; i++) v = wrap(v);
    return v;
  };
  for (const wrap of [(v: unknown) => ({ d: v }), (v: unknown) => [1, v]]) {
    assert.equal(contextDepthProblem(nest(maxContextDepth, wrap)), null);
    assert.match(contextDepthProblem(nest(maxContextDepth + 1, wrap)) ?? '', /nested more than 32 levels/);
    assert.match(contextDepthProblem(nest(100_000, wrap)) ?? '', /nested more than 32 levels/, 'no stack overflow');
  }
  assert.equal(contextDepthProblem({ targetingKey: 'u1', email: 'a@b.c', tags: ['x', 'y'], n: null }), null);
  assert.match(contextDepthProblem(JSON.parse(`{"__proto__":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`)) ?? '', /nested/, 'an own __proto__ key is walked too');
});
