import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringMatcher } from '../../src/secrets/string-matcher.ts';

/** Reference: mark every character covered by any occurrence, then merge touching runs. */
function naiveCover(patterns: string[], text: string): number[] {
  const covered = new Array<boolean>(text.length + 1).fill(false);
  for (const p of patterns) {
    if (p.length === 0) continue;
    for (let at = text.indexOf(p); at !== -1; at = text.indexOf(p, at + 1)) covered.fill(true, at, at + p.length);
  }
  // Runs of covered characters: overlapping and touching occurrences come out as one range.
  const ranges: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) continue;
    const start = i;
    while (covered[i + 1]) i++;
    ranges.push(start, i + 1);
  }
  return ranges;
}

// A tiny alphabet makes overlaps, shared prefixes and failure links the common case.
function randomString(length: number, alphabet: string, next: () => number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

void test('the automaton finds the same covered ranges as a naive search', () => {
  let seed = 42;
  const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let round = 0; round < 300; round++) {
    const alphabet = ['ab', 'abc', 'abcdefg', 'abcé€😀'][round % 4]!; // 'abcdefg' gives dense (4+ children) nodes
    const patterns = Array.from({ length: 1 + (round % 30) }, () => randomString(1 + Math.floor(next() * 6), alphabet, next));
    const matcher = new StringMatcher(patterns);
    for (let i = 0; i < 5; i++) {
      const text = randomString(Math.floor(next() * 40), alphabet, next);
      assert.deepEqual(matcher.cover(text), naiveCover(patterns, text), JSON.stringify({ patterns, text }));
    }
  }
});

void test('no patterns, empty text, non-ASCII and dense nodes', () => {
  assert.deepEqual(new StringMatcher([]).cover('anything'), []);
  assert.deepEqual(new StringMatcher(['', 'abcd']).cover(''), []);
  const many = Array.from({ length: 200 }, (_, i) => `k${String.fromCharCode(33 + (i % 90))}${i}`);
  const matcher = new StringMatcher([...many, 'ключ-секрет']);
  assert.equal(matcher.maxLength, 'ключ-секрет'.length);
  assert.deepEqual(matcher.cover('x ключ-секрет y'), [2, 13]);
  assert.deepEqual(matcher.cover(`..${many[150]}..`), [2, 2 + many[150]!.length]);
});
