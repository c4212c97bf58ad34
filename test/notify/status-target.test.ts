import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceError } from '../../src/errors.ts';
import { commitStateForRun, statusTargetFromRepoUrl } from '../../src/notify/status-target.ts';

void test('targets from clone URLs: cloud hosts use the public API, self-hosted ones their own', () => {
  const t = (host: Parameters<typeof statusTargetFromRepoUrl>[0], url: string) => {
    const { apiUrl, repo } = statusTargetFromRepoUrl(host, url, 'tok');
    return { apiUrl, repo };
  };
  assert.deepEqual(t('github', 'https://github.com/acme/shop.git'), { apiUrl: 'https://api.github.com', repo: 'acme/shop' });
  assert.deepEqual(t('github', 'git@github.com:acme/shop.git'), { apiUrl: 'https://api.github.com', repo: 'acme/shop' });
  assert.deepEqual(t('github', 'https://ghe.corp.example/acme/shop'), { apiUrl: 'https://ghe.corp.example/api/v3', repo: 'acme/shop' });
  assert.deepEqual(t('gitlab', 'https://gitlab.com/group/sub/proj.git'), { apiUrl: 'https://gitlab.com/api/v4', repo: 'group/sub/proj' });
  assert.deepEqual(t('gitlab', 'ssh://git@gitlab.example.com:2222/group/proj.git'), { apiUrl: 'https://gitlab.example.com/api/v4', repo: 'group/proj' });
  assert.deepEqual(t('gitlab', 'http://127.0.0.1:8929/team/app.git'), { apiUrl: 'http://127.0.0.1:8929/api/v4', repo: 'team/app' });
  assert.deepEqual(t('bitbucket', 'https://ada@bitbucket.org/ws/repo.git'), { apiUrl: 'https://api.bitbucket.org/2.0', repo: 'ws/repo' });
  assert.deepEqual(t('gitea', 'https://codeberg.org/ada/tool.git'), { apiUrl: 'https://codeberg.org/api/v1', repo: 'ada/tool' });
  assert.deepEqual(t('gitea', 'git@git.example.org:ada/tool.git'), { apiUrl: 'https://git.example.org/api/v1', repo: 'ada/tool' });
  // A configured API URL wins.
  assert.equal(statusTargetFromRepoUrl('gitlab', 'https://code.example/x/y.git', 'tok', 'https://api.example/gl/api/v4').apiUrl, 'https://api.example/gl/api/v4');
});

void test('an unparseable clone URL is a SourceError without its credentials', () => {
  assert.throws(() => statusTargetFromRepoUrl('github', 'https://user:hunter2@github.com/', 'tok'), (error: unknown) => {
    assert.ok(error instanceof SourceError);
    assert.ok(!error.message.includes('hunter2'));
    return true;
  });
  assert.throws(() => statusTargetFromRepoUrl('github', '/srv/git/shop', 'tok'), SourceError);
});

void test('run states map to commit states', () => {
  assert.deepEqual(
    ['queued', 'waiting', 'running', 'succeeded', 'failed', 'cancelled', 'superseded', 'bogus'].map(commitStateForRun),
    ['pending', 'pending', 'pending', 'success', 'failure', 'error', null, null],
  );
});
