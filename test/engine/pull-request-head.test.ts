import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headGone, listedRefs } from '../../src/engine/previews/pull-request-head.ts';
import type { Source } from '../../src/source/source.ts';
import type { Project, PullRequest } from '../../src/store/records.ts';
import { fakeSource } from './engine-fixtures.ts';

const SHA = 'a'.repeat(40);

/** A remote holding `refs`; counts how often it is listed. */
function countingSource(refs: Record<string, string>): Source & { listings: string[] } {
  const listings: string[] = [];
  return {
    ...fakeSource(() => SHA),
    listings,
    remoteRefs: async (from?: string) => {
      listings.push(from ?? 'origin');
      return new Map(Object.entries(refs));
    },
  };
}

const project = { name: 'app', repo: 'https://bitbucket.org/team/app.git' } as Project;
function pr(number: number, over: Partial<PullRequest> = {}): PullRequest {
  return { project: 'app', number, headRef: `feature-${number}`, fromFork: 0, host: 'github', baseRepo: 'team/app', headRepo: 'team/app', state: 'open', ...over } as PullRequest;
}

void test('a reconcile pass lists the remote once however many pull requests it checks, and tells present from gone', async () => {
  const source = countingSource({ 'refs/heads/feature-1': SHA, 'refs/heads/feature-3': SHA, 'refs/pull/7/head': SHA });
  const refs = listedRefs(source);
  assert.equal(await headGone(refs, project, pr(1)), null);
  assert.equal(await headGone(refs, project, pr(2)), 'branch feature-2 of pull request #2 is gone');
  assert.equal(await headGone(refs, project, pr(3)), null);
  assert.equal(await headGone(refs, project, pr(7, { fromFork: 1 })), null, 'a fork is checked through its pull request ref');
  assert.match((await headGone(refs, project, pr(8, { fromFork: 1 })))!, /refs\/pull\/8\/head of pull request #8 is gone/);
  assert.deepEqual(source.listings, ['origin'], 'one listing for five pull requests');
});

void test('a Bitbucket fork is listed from the fork, once per fork', async () => {
  const source = countingSource({ 'refs/heads/fix': SHA });
  const refs = listedRefs(source);
  const fork = (n: number): PullRequest => pr(n, { fromFork: 1, host: 'bitbucket', headRef: 'fix', headRepo: 'ada/app' });
  assert.equal(await headGone(refs, project, fork(1)), null);
  assert.equal(await headGone(refs, project, fork(2)), null);
  assert.deepEqual(source.listings, ['https://bitbucket.org/ada/app.git']);
});
