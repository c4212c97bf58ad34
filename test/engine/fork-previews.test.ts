// Pure parts of fork previews: the base branch's `previews` settings over the head's, a fork's
// secrets cut to previews.forkSecrets, each host's pull request ref, and the derived address of a
// Bitbucket fork (never taken from the payload).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../src/spec/parse-spec.ts';
import type { Spec } from '../../src/spec/spec.ts';
import { previewSpec } from '../../src/engine/previews/preview-spec.ts';
import { forkUrl, isSafeBranch } from '../../src/engine/previews/fork-url.ts';
import { pullRequestRef } from '../../src/hooks/pull-request-ref.ts';

function spec(yaml: string): Spec {
  const parsed = parseSpec(Buffer.from(yaml));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.spec;
}

const head = spec(`buildSecrets: [build, npm]
build: [{ run: make }]
services: { web: { start: node server.js } }
environments: { production: { secrets: [prod] } }
previews: { pullRequests: true, secrets: [prod, stolen], forkSecrets: [prod], ttl: 1h }
`);
const base = spec(`build: [{ run: make }]
previews: { pullRequests: true, secrets: [previews], forkSecrets: [npm, demo], ttl: 2h, env: { MODE: preview } }
`);

void test('a same-repository pull request: previews from the base branch, its own build secrets', () => {
  const { spec: s, droppedBuildSecrets } = previewSpec(head, base, false);
  assert.deepEqual(s.previews, base.previews);
  assert.deepEqual(s.buildSecrets, ['build', 'npm']);
  assert.deepEqual(droppedBuildSecrets, []);
  assert.deepEqual(s.build, head.build, 'what to build is the head’s');
  assert.deepEqual(s.services, head.services);
  assert.ok(Object.isFrozen(s));
});

void test('a fork: previews.forkSecrets of the base instead of secrets; its build gets at most those', () => {
  const { spec: s, droppedBuildSecrets } = previewSpec(head, base, true);
  assert.deepEqual(s.previews.secrets, ['npm', 'demo']);
  assert.equal(s.previews.ttlMs, 2 * 3_600_000);
  assert.deepEqual(s.previews.env, { MODE: 'preview' });
  assert.deepEqual(s.buildSecrets, ['npm']);
  assert.deepEqual(droppedBuildSecrets, ['build']);
  // With no forkSecrets on the base (the default), a fork gets nothing at all.
  const none = previewSpec(head, spec('build: [{ run: make }]\npreviews: { pullRequests: true, secrets: [previews] }\n'), true).spec;
  assert.deepEqual([none.previews.secrets, none.buildSecrets], [[], []]);
});

void test('pull request refs per host; Bitbucket Cloud has none', () => {
  assert.equal(pullRequestRef('github', 7), 'refs/pull/7/head');
  assert.equal(pullRequestRef('gitea', 7), 'refs/pull/7/head');
  assert.equal(pullRequestRef('gitlab', 7), 'refs/merge-requests/7/head');
  assert.equal(pullRequestRef('bitbucket', 7), null);
});

void test('a Bitbucket fork is fetched from the project URL with the base name swapped for the fork’s', () => {
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', 'acme/app', 'eve/app'), 'https://bitbucket.org/eve/app.git');
  assert.equal(forkUrl('https://bitbucket.org/acme/app', 'acme/app', 'eve/app-fork'), 'https://bitbucket.org/eve/app-fork');
  assert.equal(forkUrl('git@bitbucket.org:Acme/App.git', 'acme/app', 'eve/app'), 'git@bitbucket.org:eve/app.git');
  assert.equal(forkUrl('/srv/git/acme/app/', 'acme/app', 'eve/app'), '/srv/git/eve/app');
  // Not derivable, or names that could leave the host's namespace: none.
  assert.equal(forkUrl('https://bitbucket.org/acme/other.git', 'acme/app', 'eve/app'), null);
  assert.equal(forkUrl('https://bitbucket.org/xacme/app.git', 'acme/app', 'eve/app'), null);
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', 'acme/app', '../../evil'), null);
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', 'acme/app', 'eve/..'), null);
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', 'acme/app', 'evil.example:x/y'), null);
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', null, 'eve/app'), null);
  assert.equal(forkUrl('https://bitbucket.org/acme/app.git', 'acme/app', null), null);
});

void test('branch names that could become git options or refspecs are refused', () => {
  for (const ok of ['feature', 'feature/x-1', 'v1.2']) assert.ok(isSafeBranch(ok), ok);
  for (const bad of ['', '-upload-pack=x', 'a:b', 'a b', 'a..b', 'x*', 'a/', '/a', 'a.lock', 'x\\y', 'a@{1}']) assert.equal(isSafeBranch(bad), false, bad);
});
