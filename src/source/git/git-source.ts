// A Source backed by the system git: a bare mirror of the repository is kept in mirrorDir and
// every read (commit, file, checkout) is served from it; only resolve/fetch/headOf go to the remote.

import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SourceError } from '../../errors.ts';
import type { CommitInfo, Source } from '../source.ts';
import { gitEnv, gitErrorText, normalizeRepo, runGit } from './run-git.ts';
import type { GitEnvOptions, GitResult } from './run-git.ts';

export interface GitSourceOptions extends GitEnvOptions {
  /** Local path, file:// URL or any URL git can clone. */
  repo: string;
  /** Where the bare mirror lives; created on first use. */
  mirrorDir: string;
  /** Limit for commands that talk to the remote (clone, fetch, ls-remote). */
  timeoutMs?: number;
}

const LOCAL_TIMEOUT_MS = 120_000;
/** What a fetch of origin mirrors: branches, tags, and the hosts' pull request refs. */
const MIRRORED_REFS = ['refs/heads/', 'refs/tags/', 'refs/pull/', 'refs/merge-requests/'];
/** Where fetchRef may write: the pull request namespaces, and refs/sluice/ for heads from forks. */
const KEPT_REFS = ['refs/pull/', 'refs/merge-requests/', 'refs/sluice/'];
const FULL_SHA = /^[0-9a-f]{40}$/i;

export class GitSource implements Source {
  private readonly repo: string;
  private readonly url: string;
  private readonly mirrorDir: string;
  private readonly env: Record<string, string>;
  private readonly timeoutMs: number;
  private mirrorReady = false;
  /** Serializes everything that touches the mirror, so two fetches never race. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: GitSourceOptions) {
    this.repo = opts.repo;
    this.url = normalizeRepo(opts.repo, resolvePath);
    this.mirrorDir = resolvePath(opts.mirrorDir);
    this.env = gitEnv(opts.env);
    this.timeoutMs = opts.timeoutMs ?? 600_000;
  }

  resolve(ref: string): Promise<string> {
    return this.locked(async () => {
      await this.ensureMirror();
      await this.fetchLocked();
      const notFound = new SourceError(`ref ${JSON.stringify(ref)} not found in ${this.repo}`, { details: { ref, repo: this.repo } });
      if (ref === '' || ref.startsWith('-')) throw notFound;
      // Branches win over tags of the same name; then full ref names and (abbreviated) SHAs.
      const candidates = FULL_SHA.test(ref) ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, ref];
      for (const candidate of candidates) {
        const sha = await this.revParse(candidate);
        if (sha) return sha;
      }
      throw notFound;
    });
  }

  fetch(): Promise<void> {
    return this.locked(async () => {
      await this.ensureMirror();
      await this.fetchLocked();
    });
  }

  headOf(branch: string): Promise<string | null> {
    return this.refOf(`refs/heads/${branch}`);
  }

  async refOf(ref: string, from?: string): Promise<string | null> {
    return (await this.lsRemote([ref], from)).get(ref) ?? null;
  }

  remoteRefs(from?: string): Promise<ReadonlyMap<string, string>> {
    return this.lsRemote([], from);
  }

  // Talks to the remote only: no mirror, no lock. ls-remote patterns match any tail of a ref
  // name, so callers look up exact names in the map.
  private async lsRemote(patterns: string[], from?: string): Promise<Map<string, string>> {
    const url = from === undefined ? this.url : normalizeRepo(from, resolvePath);
    let out: GitResult;
    try {
      out = await runGit(['ls-remote', '--', url, ...patterns], { env: this.env, timeoutMs: this.timeoutMs });
    } catch (error) {
      throw new SourceError(`cannot reach ${from ?? this.repo}: ${gitErrorText(error)}`, { cause: error, retryable: true, details: { repo: from ?? this.repo } });
    }
    const refs = new Map<string, string>();
    for (const line of out.stdout.split('\n')) {
      const [sha, name] = line.split('\t');
      if (name && sha && FULL_SHA.test(sha)) refs.set(name, sha.toLowerCase());
    }
    return refs;
  }

  fetchRef(ref: string, into: string, from?: string): Promise<string> {
    return this.locked(async () => {
      await this.ensureMirror();
      if (!KEPT_REFS.some((prefix) => into.startsWith(prefix)) || ref.startsWith('-') || /[\s:]/.test(ref + into)) {
        throw new SourceError(`cannot fetch ${JSON.stringify(ref)} into ${JSON.stringify(into)}`, { details: { ref, into } });
      }
      try {
        await this.git(['fetch', '--quiet', '--no-tags', '--', from === undefined ? 'origin' : normalizeRepo(from, resolvePath), `+${ref}:${into}`], { timeoutMs: this.timeoutMs });
      } catch (error) {
        throw new SourceError(`cannot fetch ${ref} from ${from ?? this.repo}: ${gitErrorText(error)}`, { cause: error, retryable: true, details: { ref, repo: from ?? this.repo } });
      }
      const sha = await this.revParse(into);
      if (!sha) throw new SourceError(`${ref} of ${from ?? this.repo} is not a commit`, { details: { ref } });
      return sha;
    });
  }

  commit(sha: string): Promise<CommitInfo> {
    return this.locked(async () => {
      const full = await this.commitInMirror(sha);
      const { stdout } = await this.git(['show', '-s', '--format=%H%x00%an <%ae>%x00%cI%x00%B', full, '--']);
      const [hash = full, author = '', committedAt = '', ...rest] = stdout.split('\0');
      return { sha: hash, author, committedAt, message: rest.join('\0').replace(/\n+$/, '') };
    });
  }

  readFile(sha: string, path: string): Promise<Buffer | null> {
    return this.locked(async () => {
      const full = await this.commitInMirror(sha);
      const clean = path.replace(/^(\.\/|\/)+/, '');
      if (clean === '') return null;
      const spec = `${full}:${clean}`;
      try {
        const { stdout } = await this.git(['cat-file', '-t', spec]);
        if (stdout.trim() !== 'blob') return null;
      } catch {
        return null; // path absent at that commit
      }
      const { stdout } = await this.git(['cat-file', 'blob', spec], { encoding: 'latin1' });
      return Buffer.from(stdout, 'latin1');
    });
  }

  changedPaths(from: string | null, to: string): Promise<string[]> {
    return this.locked(async () => {
      const target = await this.commitInMirror(to);
      const args = from === null ? ['ls-tree', '-r', '--name-only', '-z', target] : ['diff', '--name-only', '-z', await this.commitInMirror(from), target];
      const { stdout } = await this.git(args);
      return stdout.split('\0').filter(Boolean);
    });
  }

  checkout(sha: string, dir: string): Promise<void> {
    return this.locked(async () => {
      const full = await this.commitInMirror(sha);
      const target = resolvePath(dir);
      const entries = await readdir(target).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      if (entries.length > 0) throw new SourceError(`cannot check out into ${target}: directory is not empty`, { details: { dir: target } });
      try {
        // --shared borrows the mirror's objects through alternates: no copy, so it is fast.
        await this.git(['clone', '--shared', '--no-checkout', '--quiet', '--', this.mirrorDir, target], { cwd: undefined });
        await this.git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', full], { cwd: target });
      } catch (error) {
        await rm(target, { recursive: true, force: true });
        throw new SourceError(`cannot check out ${full} into ${target}: ${gitErrorText(error)}`, { cause: error, details: { sha: full, dir: target } });
      }
    });
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private git(args: string[], opts: { cwd?: string | undefined; timeoutMs?: number; encoding?: 'utf8' | 'latin1' } = {}): Promise<GitResult> {
    const cwd = 'cwd' in opts ? opts.cwd : this.mirrorDir;
    return runGit(args, { cwd, env: this.env, timeoutMs: opts.timeoutMs ?? LOCAL_TIMEOUT_MS, ...(opts.encoding ? { encoding: opts.encoding } : {}) });
  }

  private async ensureMirror(): Promise<void> {
    if (this.mirrorReady) return;
    if (existsSync(join(this.mirrorDir, 'HEAD')) && existsSync(join(this.mirrorDir, 'objects'))) {
      // The repository URL may have changed since the mirror was made.
      await this.git(['config', 'remote.origin.url', this.url]);
      this.mirrorReady = true;
      return;
    }
    const leftovers = await readdir(this.mirrorDir).catch(() => []);
    if (leftovers.length > 0) throw new SourceError(`mirror directory ${this.mirrorDir} exists and is not a git mirror`);
    await mkdir(dirname(this.mirrorDir), { recursive: true });
    // Clone next to the final place, then rename: a crash never leaves a half-made mirror.
    const tmp = join(dirname(this.mirrorDir), `.${basename(this.mirrorDir)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await runGit(['clone', '--mirror', '--quiet', '--', this.url, tmp], { env: this.env, timeoutMs: this.timeoutMs });
      await rm(this.mirrorDir, { recursive: true, force: true }); // an empty directory, if any
      await rename(tmp, this.mirrorDir);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw new SourceError(`cannot clone ${this.repo}: ${gitErrorText(error)}`, { cause: error, details: { repo: this.repo } });
    }
    this.mirrorReady = true;
  }

  private async fetchLocked(): Promise<void> {
    try {
      // Named namespaces, not the mirror's refs/*: --prune then leaves refs/sluice/ (fork heads
      // fetched from elsewhere, which origin does not have) alone.
      await this.git(['fetch', '--prune', '--quiet', 'origin', ...MIRRORED_REFS.map((r) => `+${r}*:${r}*`)], { timeoutMs: this.timeoutMs });
    } catch (error) {
      throw new SourceError(`cannot fetch ${this.repo}: ${gitErrorText(error)}`, { cause: error, retryable: true, details: { repo: this.repo } });
    }
  }

  private async revParse(rev: string): Promise<string | null> {
    try {
      const { stdout } = await this.git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      const sha = stdout.trim();
      return FULL_SHA.test(sha) ? sha.toLowerCase() : null;
    } catch {
      return null;
    }
  }

  /** The full SHA of a commit, fetching once if the mirror does not have it yet. */
  private async commitInMirror(sha: string): Promise<string> {
    await this.ensureMirror();
    if (sha === '' || sha.startsWith('-')) throw new SourceError(`commit ${JSON.stringify(sha)} not found in ${this.repo}`);
    const found = (await this.revParse(sha)) ?? (await this.fetchLocked(), await this.revParse(sha));
    if (!found) throw new SourceError(`commit ${JSON.stringify(sha)} not found in ${this.repo}`, { details: { sha, repo: this.repo } });
    return found;
  }
}
