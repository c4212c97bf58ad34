// Branch, tag and path patterns of `triggers` (picomatch): `*` within a segment, `**` across
// segments, `{a,b}` alternatives, `[0-9]` classes, and `!pattern` excluding what came before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAny } from '../../src/engine/previews/glob.ts';
import { shouldRun } from '../../src/engine/previews/should-run.ts';

const cases: Array<[string, string[], string, boolean]> = [
  // what, patterns, value, matches
  ['** across segments', ['**/test'], 'src/test', true],
  ['** at the start matches no segment too', ['**/test'], 'test', true],
  ['** is not a substring match', ['**/test'], 'latest', false],
  ['* stays within a segment', ['feature/*'], 'feature/a/b', false],
  ['** under a folder', ['docs/**'], 'docs/a/b.md', true],
  ['{a,b}', ['release/{beta,rc}'], 'release/rc', true],
  ['{a,b}: neither', ['release/{beta,rc}'], 'release/ga', false],
  ['[0-9]', ['v[0-9].*'], 'v2.1', true],
  ['[0-9] refuses a letter', ['v[0-9].*'], 'vx.1', false],
  ['negation after a match excludes', ['feature/**', '!feature/wip-*'], 'feature/wip-x', false],
  ['negation leaves the rest', ['feature/**', '!feature/wip-*'], 'feature/login', true],
  ['a later pattern includes again', ['src/**', '!src/gen/**', 'src/gen/keep.ts'], 'src/gen/keep.ts', true],
  ['only negations: everything else', ['!**/*.md'], 'src/a.ts', true],
  ['only negations: not the excluded', ['!**/*.md'], 'README.md', false],
  ['dot files are files', ['**/*.yml'], '.github/workflows/ci.yml', true],
];

for (const [what, patterns, value, expected] of cases) {
  void test(`${what}: ${JSON.stringify(patterns)} ${expected ? 'matches' : 'does not match'} ${value}`, () => {
    assert.equal(matchesAny(value, patterns), expected);
  });
}

void test('branches, tags and paths of triggers all take these patterns', () => {
  const triggers = { branches: ['main', 'release/{beta,rc}', '!release/rc'], tags: ['v[0-9]*', '!v*-draft'], paths: ['src/**', '!**/*.md'] };
  const push = (p: { branch?: string; tag?: string; changedPaths?: string[] }) =>
    shouldRun(triggers, 'main', { branch: p.branch ?? null, tag: p.tag ?? null, changedPaths: p.changedPaths ?? ['src/a.ts'] }).run;
  assert.equal(push({ branch: 'release/beta' }), true);
  assert.equal(push({ branch: 'release/rc' }), false);
  assert.equal(push({ branch: 'release/ga' }), false);
  assert.equal(push({ tag: 'v1.2.0' }), true);
  assert.equal(push({ tag: 'v1.2.0-draft' }), false);
  assert.equal(push({ tag: 'latest' }), false);
  assert.equal(push({ branch: 'main', changedPaths: ['src/readme.md'] }), false);
  assert.equal(push({ branch: 'main', changedPaths: ['src/readme.md', 'src/app/main.ts'] }), true);
  assert.equal(push({ branch: 'main', changedPaths: ['docs/a.ts'] }), false);
});
