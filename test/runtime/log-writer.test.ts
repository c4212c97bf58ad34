import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/runtime/process/backoff.ts';
import { LineSplitter, maxLogLineBytes } from '../../src/runtime/process/log-writer.ts';

void describe('LineSplitter', () => {
  const collect = (): { lines: Array<[string, boolean]>; splitter: LineSplitter } => {
    const lines: Array<[string, boolean]> = [];
    return { lines, splitter: new LineSplitter((line, truncated) => lines.push([line, truncated])) };
  };

  void it('splits on newlines across chunks, strips CR, and flushes a partial last line', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('one\r\ntw'));
    splitter.push(Buffer.from('o\n\nthr'));
    assert.deepEqual(lines, [['one', false], ['two', false], ['', false]]);
    splitter.flush();
    assert.deepEqual(lines.at(-1), ['thr', false]);
  });

  void it('keeps multibyte characters split across chunks intact', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('héllo\n');
    splitter.push(bytes.subarray(0, 2));
    splitter.push(bytes.subarray(2));
    assert.deepEqual(lines, [['héllo', false]]);
  });

  void it('caps a long line at 16 KiB and drops the rest of it', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('a'.repeat(maxLogLineBytes + 10)));
    splitter.push(Buffer.from('bbb\nnext\n'));
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.[0].length, maxLogLineBytes);
    assert.equal(lines[0]?.[1], true);
    assert.deepEqual(lines[1], ['next', false]);
  });
});

void describe('Backoff', () => {
  void it('doubles up to the cap and starts over on reset', () => {
    const backoff = new Backoff(500, 3000, () => 1); // jitter at its top: the exponential delays
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [500, 1000, 2000, 3000, 3000]);
    backoff.reset();
    assert.equal(backoff.next(), 500);
  });
});
