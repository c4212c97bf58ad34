import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../src/errors.ts';
import { formatDuration, parseDuration } from '../../src/spec/duration.ts';
import { parsePercent } from '../../src/spec/percent.ts';

void test('parseDuration reads units, combinations and seconds', () => {
  const table: [string | number, number][] = [
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1h1m1s1ms', 3_661_001],
    ['1.5s', 1_500],
    ['0s', 0],
    ['45', 45_000],
    [' 5m ', 300_000],
    [5, 5_000],
    [0.25, 250],
    [0, 0],
  ];
  for (const [input, ms] of table) assert.equal(parseDuration(input), ms, `parseDuration(${JSON.stringify(input)})`);
});

void test('parseDuration rejects bad text and names it', () => {
  for (const input of ['', 'fast', '5 m', '5x', 'm5', '-1s', '1m-30s', '1.s', -3, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => parseDuration(input),
      (error: unknown) => error instanceof SluiceError && error.code === 'invalid_input' && error.message.includes(JSON.stringify(input)),
      `parseDuration(${String(input)})`,
    );
  }
});

void test('formatDuration writes the shortest form and round-trips', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [86_400_000 + 3_600_000, '1d1h'],
    [1_500, '1s500ms'],
  ];
  for (const [ms, text] of table) {
    assert.equal(formatDuration(ms), text);
    assert.equal(parseDuration(text), ms);
  }
  assert.throws(() => formatDuration(-1), SluiceError);
});

void test('parsePercent reads 1% and fractions', () => {
  assert.equal(parsePercent('1%'), 0.01);
  assert.equal(parsePercent('0.5%'), 0.005);
  assert.equal(parsePercent('100%'), 1);
  assert.equal(parsePercent(0.02), 0.02);
  for (const bad of ['101%', '1', 'x%', 1.5, -0.1]) assert.throws(() => parsePercent(bad), SluiceError);
});
