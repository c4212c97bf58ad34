import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../src/errors.ts';
import { checkParameters, isSearch, parseCursor, parseLogSearch, parseQueryText, parseTimeBound } from '../../src/logs/parse-log-search.ts';

const now = new Date('2026-12-05T12:00:00.000Z');
const scope = { project: 'app', environment: 'production' };

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidInputError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

void test('bare words are substrings, quoted phrases one substring, word: a whole word', () => {
  assert.deepEqual(parseQueryText('timeout  "connection reset" word:db_pool').text, { tokens: ['db_pool'], substrings: ['timeout', 'connection reset'] });
  assert.deepEqual(parseQueryText('"say \\"hi\\" \\\\"').text, { substrings: ['say "hi" \\'] });
  assert.deepEqual(parseQueryText('').text, {});
  assert.deepEqual(parseQueryText('10:32 a.b:c').text, { substrings: ['10:32', 'a.b:c'] });
  assert.deepEqual(parseQueryText('level:warn service:"web"').fields, { level: 'warn', service: 'web' });
});

void test('invalid syntax and unknown fields are refused with the problem named', () => {
  refused(() => parseQueryText('"open'), /quote opened at character 1 is not closed/);
  refused(() => parseQueryText('""'), /quoted phrase at character 1 is empty/);
  refused(() => parseQueryText('a"b'), /quote inside "a\\"b"/);
  refused(() => parseQueryText('"a"b'), /a space must follow/);
  refused(() => parseQueryText('colour:red'), /unknown field "colour" \(fields: word, level, service, instance, release, stream, source\); to search for the text, quote it: "colour:red"/);
  refused(() => parseQueryText('level:'), /level: at character 1 has no value/);
  refused(() => parseQueryText('word:two-words'), /word:two-words must be one whole word/);
  refused(() => parseQueryText('release:1 release:2'), /release given twice \(1 and 2\)/);
  refused(() => parseQueryText('x '.repeat(17)), /17 terms; at most 16/);
  refused(() => parseQueryText('x'.repeat(1025)), /1025 characters long; at most 1024/);
});

void test('a search from parameters: filters, time bounds as ISO or duration ago, level aliases', () => {
  const s = parseLogSearch({ q: 'boom stream:stderr', since: '1h', until: '2026-12-05T11:59:00Z', release: '3', service: 'web', level: 'warning', before: '99', limit: '50' }, scope, now);
  assert.deepEqual(s, {
    project: 'app', environment: 'production', limit: 50, release: 3, service: 'web', minLevel: 'warn', stream: 'stderr',
    since: '2026-12-05T11:00:00.000Z', until: '2026-12-05T11:59:00.000Z', before: 99, text: { substrings: ['boom'] },
  });
  assert.deepEqual(parseLogSearch({}, scope, now), { ...scope, limit: 1000 });
  assert.equal(parseLogSearch({ q: 'release:4', release: '4' }, scope, now).release, 4);
  assert.equal(parseTimeBound('until', '30m', now), '2026-12-05T11:30:00.000Z');
  assert.equal(parseTimeBound('since', '2026-12-05', now), '2026-12-05T00:00:00.000Z');
});

void test('bad parameters are refused, each naming itself', () => {
  refused(() => parseLogSearch({ since: '1h', until: '2h' }, scope, now), /time range is reversed: since 2026-12-05T11:00:00.000Z is not before until 2026-12-05T10:00:00.000Z/);
  refused(() => parseLogSearch({ since: 'yesterday' }, scope, now), /since: "yesterday" is neither an ISO time/);
  refused(() => parseLogSearch({ until: '2026-13-45' }, scope, now), /until: "2026-13-45" is not a valid time/);
  refused(() => parseLogSearch({ level: 'loud' }, scope, now), /level: "loud" is not a level \(trace, debug, info, warn, error, fatal\)/);
  refused(() => parseLogSearch({ level: '30' }, scope, now), /level: "30" is not a level/);
  refused(() => parseLogSearch({ release: '0' }, scope, now), /release must be an integer from 1/);
  refused(() => parseLogSearch({ limit: '10001' }, scope, now), /limit must be an integer from 1 to 10000/);
  refused(() => parseLogSearch({ stream: 'stdin' }, scope, now), /stream: "stdin" is not one of stdout, stderr, event, access/);
  refused(() => parseLogSearch({ source: 'x' }, scope, now), /source: "x" is not one of step, deploy, instance, router/);
  refused(() => parseLogSearch({ release: '3', q: 'release:4' }, scope, now), /release given twice: release=3 and q's release:4/);
  refused(() => checkParameters({ q: 'x', grep: 'y' }, ['q']), /unknown parameter "grep" \(known: q\)/);
  refused(() => parseCursor('Last-Event-ID', 'abc'), /Last-Event-ID must be an integer/);
  assert.equal(parseCursor('after', undefined), 0);
  assert.equal(parseCursor('after', '12'), 12);
  assert.equal(isSearch({ tail: '5' }), false);
  assert.equal(isSearch({ q: '' }), true);
});
