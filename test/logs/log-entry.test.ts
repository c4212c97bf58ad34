import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutUtf8, entryText, levelOf, maxLineBytes, parseStructured, safeText, truncationMarker } from '../../src/logs/log-entry.ts';

void test('levels from level, severity or lvl: names in any case, syslog names, pino/bunyan numbers', () => {
  const cases: Array<[string, string | null]> = [
    ['{"level":"INFO","msg":"up"}', 'info'],
    ['{"severity":"WARNING","message":"slow"}', 'warn'],
    ['{"lvl":"err"}', 'error'],
    ['{"level":"crit"}', 'fatal'],
    ['{"level":"Notice"}', 'info'],
    ['{"level":10}', 'trace'],
    ['{"level":20}', 'debug'],
    ['{"level":30}', 'info'],
    ['{"level":40}', 'warn'],
    ['{"level":50}', 'error'],
    ['{"level":60}', 'fatal'],
    ['{"level":35}', 'warn'],
    ['{"severity":3}', 'error'],
    ['{"level":"50"}', 'error'],
    ['{"level":"loud"}', null],
    ['{"level":true}', null],
    ['{"level":8}', null],
    ['{"msg":"no level"}', null],
    ['level=error plain text', null],
    ['[1, 2]', null],
  ];
  for (const [line, level] of cases) assert.equal(parseStructured(line).level, level, line);
  assert.equal(parseStructured('{"level":"info","msg":"up"}').message, 'up');
  assert.equal(parseStructured('{"level":"info","message":"up too"}').message, 'up too');
  assert.equal(levelOf(-1), null);
});

void test('a JSON line cut short keeps the level found near its start', () => {
  const cut = entryText(`{"level":"error","msg":"${'x'.repeat(maxLineBytes)}"}`);
  assert.ok(cut.endsWith(truncationMarker));
  assert.equal(parseStructured(cut).level, 'error');
});

void test('a 1 MB line is cut at a character boundary and marked, within maxLineBytes', () => {
  const line = 'é'.repeat(512 * 1024); // 1 MiB of two-byte characters
  const text = entryText(line);
  assert.ok(Buffer.byteLength(text) <= maxLineBytes);
  assert.ok(text.endsWith(truncationMarker));
  assert.ok(!text.includes('\uFFFD'), 'no character was split');
  assert.match(text.slice(0, -truncationMarker.length), /^é+$/);
  // Four-byte characters too.
  assert.equal(cutUtf8('😀😀', 5), '😀');
  assert.equal(cutUtf8('ab', 5), 'ab');
});

void test('a line an earlier splitter cut is marked, and the half character at its end dropped', () => {
  const bytes = Buffer.from('ab😀', 'utf8').subarray(0, 4); // the emoji split after its first two bytes
  const text = entryText(bytes.toString('utf8'), true);
  assert.equal(text, `ab${truncationMarker}`);
  assert.equal(entryText('short'), 'short');
});

void test('binary output is stored safely: invalid UTF-8 as U+FFFD, NUL and controls escaped, colours dropped', () => {
  assert.equal(safeText(Buffer.from([0x61, 0xff, 0xfe, 0x62])), 'a\uFFFD\uFFFDb');
  assert.equal(safeText('a\u0000b\u0007c\td'), 'a\\x00b\\x07c\td');
  assert.equal(safeText('\u001b[31mERROR\u001b[0m done'), 'ERROR done');
  assert.equal(safeText('lone \uD800 surrogate'), 'lone \uFFFD surrogate');
  assert.equal(safeText('del\u007f'), 'del\\x7f');
  // Escaping can make a line longer; the cap still holds.
  const text = entryText('\u0000'.repeat(maxLineBytes));
  assert.ok(Buffer.byteLength(text) <= maxLineBytes);
  assert.ok(text.endsWith(truncationMarker));
});
