import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile, mkdir, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource } from '../../src/source/git/git-source.ts';
import { validateRepo } from '../../src/source/git/validate-repo.ts';
import { SourceError } from '../../src/errors.ts';

let root = '';
let repo = '';
let first = '';
let second = '';
const gitEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', ...args], { cwd, env: gitEnv, encoding: 'utf8' }).trim();
}

async function commitFile(path: string, content: string, message: string): Promise<string> {
  await mkdir(join(repo, path, '..'), { recursive: true });
  await writeFile(join(repo, path), content);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-git-'));
  repo = join(root, 'repo');
  await mkdir(repo);
  git(repo, 'init', '-q', '-b', 'main');
  first = await commitFile('README.md', 'hello\n', 'first commit\n\nwith a body');
  second = await commitFile('src/app.sh', 'echo app\n', 'second commit');
  git(repo, 'tag', '-a', 'v1', '-m', 'release v1', first);
  git(repo, 'branch', 'feature', first);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const source = (name: string): GitSource => new GitSource({ repo, mirrorDir: join(root, 'mirrors', name) });

void test('resolves branches, tags and SHAs to full SHAs', async () => {
  const s = source('resolve');
  assert.equal(await s.resolve('main'), second);
  assert.equal(await s.resolve('feature'), first);
  assert.equal(await s.resolve('v1'), first, 'annotated tags are peeled to their commit');
  assert.equal(await s.resolve(first), first);
  assert.equal(await s.resolve(first.slice(0, 10)), first);
  assert.equal(await s.resolve('refs/heads/main'), second);
  assert.ok(await existsDir(join(root, 'mirrors', 'resolve', 'objects')));
});

function existsDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

void test('an unknown ref is a SourceError naming the ref and repo', async () => {
  const s = source('unknown');
  await assert.rejects(s.resolve('nope'), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.equal(e.message, `ref "nope" not found in ${repo}`);
    return true;
  });
  await assert.rejects(s.resolve('0'.repeat(40)), /not found/);
  await assert.rejects(s.resolve('--upload-pack=evil'), /not found/);
});

void test('a repository that cannot be cloned is a SourceError with git\'s message', async () => {
  const s = new GitSource({ repo: '/no/such/repo', mirrorDir: join(root, 'mirrors', 'bad') });
  await assert.rejects(s.resolve('main'), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.match(e.message, /^cannot clone \/no\/such\/repo: fatal: .*/);
    return true;
  });
  assert.deepEqual(await readdir(join(root, 'mirrors')).then((l) => l.filter((n) => n.includes('bad'))), [], 'no temp mirror left behind');
  await assert.rejects(validateRepo('/no/such/repo'), /cannot reach \/no\/such\/repo: fatal:/);
  await validateRepo(repo);
  await validateRepo(`file://${repo}`);
});

void test('headOf sees new commits and absent branches', async () => {
  const s = source('head');
  assert.equal(await s.headOf('main'), second);
  assert.equal(await s.headOf('missing'), null);
  git(repo, 'branch', 'moving', first);
  assert.equal(await s.headOf('moving'), first);
  git(repo, 'branch', '-f', 'moving', second);
  assert.equal(await s.headOf('moving'), second);
  // A fetch then sees the change too.
  assert.equal(await s.resolve('moving'), second);
  git(repo, 'branch', '-D', 'moving');
  assert.equal(await s.headOf('moving'), null);
});

void test('resolve follows new commits on the remote', async () => {
  const s = source('follow');
  git(repo, 'checkout', '-q', '-b', 'live', second);
  try {
    assert.equal(await s.resolve('live'), second);
    const third = await commitFile('NEW.md', 'new\n', 'third');
    assert.equal(await s.resolve('live'), third);
    assert.equal(await s.headOf('live'), third);
  } finally {
    git(repo, 'checkout', '-q', 'main');
  }
});

void test('commit info has author, message and date', async () => {
  const s = source('commit');
  const info = await s.commit(first);
  assert.equal(info.sha, first);
  assert.equal(info.author, 'Ada Lovelace <ada@example.com>');
  assert.equal(info.message, 'first commit\n\nwith a body');
  assert.ok(!Number.isNaN(Date.parse(info.committedAt)));
  await assert.rejects(s.commit('f'.repeat(40)), SourceError);
});

void test("commit time is the committer's (what lead time measures), not the author's", async () => {
  // A commit authored long before it was committed (a rebase, a cherry-pick), on a side branch.
  const dated = execFileSync('git', ['commit-tree', `${second}^{tree}`, '-p', second, '-m', 'rebased'], {
    cwd: repo, encoding: 'utf8',
    env: { ...gitEnv, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Bob', GIT_COMMITTER_EMAIL: 'bob@example.com', GIT_AUTHOR_DATE: '2030-01-01T00:00:00+00:00', GIT_COMMITTER_DATE: '2030-01-02T03:04:05+02:00' },
  }).trim();
  git(repo, 'update-ref', 'refs/heads/dated', dated);
  const info = await source('dated').commit(dated);
  assert.equal(info.committedAt, '2030-01-02T03:04:05+02:00');
  assert.equal(Date.parse(info.committedAt), Date.parse('2030-01-02T01:04:05Z'));
});

void test('readFile returns content at a commit, or null', async () => {
  const s = source('read');
  assert.equal((await s.readFile(second, 'src/app.sh'))?.toString(), 'echo app\n');
  assert.equal(await s.readFile(first, 'src/app.sh'), null, 'absent at the earlier commit');
  assert.equal(await s.readFile(second, 'missing.txt'), null);
  assert.equal(await s.readFile(second, 'src'), null, 'a directory is not a file');
  assert.equal((await s.readFile(second, './README.md'))?.toString(), 'hello\n');
});

void test('checkout creates a working tree of exactly that commit', async () => {
  const s = source('checkout');
  const dir = join(root, 'work-first');
  await s.checkout(first, dir);
  assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), 'hello\n');
  assert.ok(!(await existsDir(join(dir, 'src'))), 'files of later commits are absent');
  assert.equal(git(dir, 'rev-parse', 'HEAD'), first);
  assert.equal(git(dir, 'status', '--porcelain'), '');
  assert.throws(() => git(dir, 'symbolic-ref', '-q', 'HEAD'), 'HEAD is detached');

  const dir2 = join(root, 'work-second');
  await mkdir(dir2);
  await s.checkout(second, dir2);
  assert.equal(await readFile(join(dir2, 'src/app.sh'), 'utf8'), 'echo app\n');
  assert.equal(git(dir2, 'rev-parse', 'HEAD'), second);

  await assert.rejects(s.checkout(first, dir2), /not empty/);
});

void test('concurrent calls on one source are serialized', async () => {
  const s = source('concurrent');
  const results = await Promise.all([s.resolve('main'), s.fetch(), s.resolve('v1'), s.commit(second), s.readFile(first, 'README.md'), s.fetch()]);
  assert.equal(results[0], second);
  assert.equal(results[2], first);
  assert.equal(results[4]?.toString(), 'hello\n');
});

void test('a file:// URL works and an existing mirror is reused', async () => {
  const mirrorDir = join(root, 'mirrors', 'url');
  assert.equal(await new GitSource({ repo: `file://${repo}`, mirrorDir }).resolve('main'), second);
  assert.equal(await new GitSource({ repo: `file://${repo}`, mirrorDir }).resolve('feature'), first);
});

void test('changedPaths lists what differs between two commits, or every file of the first', async () => {
  const s = source('changed');
  assert.deepEqual(await s.changedPaths(first, second), ['src/app.sh']);
  assert.deepEqual((await s.changedPaths(null, second)).sort(), ['README.md', 'src/app.sh']);
  assert.deepEqual(await s.changedPaths(second, second), []);
  await assert.rejects(s.changedPaths('0'.repeat(40), second), SourceError);
});

void test('fetchRef brings a pull request ref (or a fork’s branch) into the mirror; refOf reads any ref; fetches keep refs/sluice/', async () => {
  const s = source('pull-refs');
  await s.fetch();
  // A commit only the host's pull request ref holds (the head of a fork's pull request).
  git(repo, 'checkout', '-q', '-b', 'tmp-fork', first);
  const forkHead = await commitFile('fork.txt', 'from a fork\n', 'fork change');
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'update-ref', 'refs/pull/5/head', forkHead);
  git(repo, 'branch', '-D', 'tmp-fork');
  assert.equal(await s.refOf('refs/pull/5/head'), forkHead);
  assert.equal(await s.refOf('refs/pull/6/head'), null);
  // One listing holds every ref, exactly named (a pattern's tail match is not a hit).
  const listing = await s.remoteRefs();
  assert.equal(listing.get('refs/pull/5/head'), forkHead);
  assert.equal(listing.get('refs/heads/main'), git(repo, 'rev-parse', 'main'));
  assert.equal(listing.get('5/head'), undefined);
  assert.equal(listing.get('refs/pull/6/head'), undefined);
  assert.equal(await s.fetchRef('refs/pull/5/head', 'refs/pull/5/head'), forkHead);
  assert.equal((await s.readFile(forkHead, 'fork.txt'))?.toString(), 'from a fork\n');
  await assert.rejects(s.fetchRef('refs/pull/6/head', 'refs/pull/6/head'), SourceError);

  // Another repository (a Bitbucket fork): its branch lands under refs/sluice/, which a fetch of origin never prunes.
  const other = join(root, 'other-fork');
  git(root, 'clone', '-q', repo, other);
  git(other, 'checkout', '-q', '-b', 'feature-x');
  await writeFile(join(other, 'x.txt'), 'x\n');
  git(other, 'add', '-A');
  git(other, 'commit', '-q', '-m', 'in the fork');
  const otherHead = git(other, 'rev-parse', 'HEAD');
  assert.equal(await s.refOf('refs/heads/feature-x', other), otherHead);
  assert.equal(await s.fetchRef('refs/heads/feature-x', 'refs/sluice/pull/9/head', other), otherHead);
  await s.fetch();
  assert.equal(git(join(root, 'mirrors', 'pull-refs'), 'rev-parse', 'refs/sluice/pull/9/head'), otherHead, 'kept across a pruning fetch');
  assert.equal((await s.commit(otherHead)).message, 'in the fork');
  // Only the pull request namespaces (and refs/sluice/) may be written, and no option-like ref.
  await assert.rejects(s.fetchRef('refs/heads/main', 'refs/heads/main'), SourceError);
  await assert.rejects(s.fetchRef('--upload-pack=x', 'refs/sluice/x'), SourceError);
  git(repo, 'update-ref', '-d', 'refs/pull/5/head');
});
