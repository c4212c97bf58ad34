import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, levenshtein } from '../../src/spec/did-you-mean.ts';

void test('levenshtein counts edits', () => {
  assert.equal(levenshtein('tiemout', 'timeout'), 2);
  assert.equal(levenshtein('servcies', 'services'), 2);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('same', 'same'), 0);
});

void test('didYouMean picks the closest allowed key, or none', () => {
  const keys = ['run', 'name', 'timeout', 'env'];
  assert.equal(didYouMean('tiemout', keys), 'timeout');
  assert.equal(didYouMean('Timeout', keys), 'timeout');
  assert.equal(didYouMean('time', keys), 'timeout', 'a close prefix');
  assert.equal(didYouMean('command', keys), undefined);
  assert.equal(didYouMean('bluegreen', ['rolling', 'blueGreen', 'canary']), 'blueGreen');
});
