// Checks that a repository can be reached before it is registered anywhere.

import { resolve as resolvePath } from 'node:path';
import { SourceError } from '../../errors.ts';
import { gitEnv, gitErrorText, normalizeRepo, runGit } from './run-git.ts';
import type { GitEnvOptions } from './run-git.ts';

export async function validateRepo(repo: string, opts: GitEnvOptions & { timeoutMs?: number } = {}): Promise<void> {
  if (repo.trim() === '' || repo.startsWith('-')) throw new SourceError(`invalid repository ${JSON.stringify(repo)}`);
  const url = normalizeRepo(repo, resolvePath);
  try {
    await runGit(['ls-remote', '--heads', '--', url], { env: gitEnv(opts.env), timeoutMs: opts.timeoutMs ?? 60_000 });
  } catch (error) {
    throw new SourceError(`cannot reach ${repo}: ${gitErrorText(error)}`, { cause: error, details: { repo } });
  }
}
