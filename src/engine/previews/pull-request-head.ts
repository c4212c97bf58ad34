// Where a pull request's head commit comes from, and whether it is still there. A fork's branch
// is not in the base repository, so it is fetched through the host's pull request ref
// (refs/pull/N/head, refs/merge-requests/N/head) and is "gone" only when that ref is; Bitbucket
// Cloud has no such ref, so its forks are fetched from the fork itself (see fork-url.ts).
import { isGitHost } from '../../hooks/hook-types.ts';
import { pullRequestRef } from '../../hooks/pull-request-ref.ts';
import { SourceError } from '../../errors.ts';
import type { Source } from '../../source/source.ts';
import type { Project, PullRequest } from '../../store/records.ts';
import { forkUrl, isSafeBranch } from './fork-url.ts';

function hostRef(pr: PullRequest): string | null {
  return pr.host !== null && isGitHost(pr.host) ? pullRequestRef(pr.host, pr.number) : null;
}

/** Where a Bitbucket fork's head is kept in the mirror (never pruned by fetches of origin). */
export function forkHeadRef(number: number): string {
  return `refs/sluice/pull/${number}/head`;
}

function forkSource(project: Project, pr: PullRequest): { url: string; branch: string } {
  const url = forkUrl(project.repo, pr.baseRepo, pr.headRepo);
  if (url === null) {
    throw new SourceError(
      `pull request #${pr.number} comes from the fork ${pr.headRepo ?? '(unnamed)'} on a host without pull request refs; its address is the project's repository (${project.repo}) with ${pr.baseRepo ?? 'the base repository name'} replaced by the fork's name, and the repository URL does not end in it`,
      { details: { number: pr.number, headRepo: pr.headRepo } },
    );
  }
  if (!isSafeBranch(pr.headRef)) throw new SourceError(`pull request #${pr.number}: ${JSON.stringify(pr.headRef)} is not a branch name git accepts`);
  return { url, branch: pr.headRef };
}

/** Brings the head commit of a pull request into the mirror. */
export async function fetchPullRequestHead(source: Source, project: Project, pr: PullRequest): Promise<void> {
  const ref = hostRef(pr);
  if (ref !== null) {
    try {
      await source.fetchRef(ref, ref);
      return;
    } catch (error) {
      // A branch of the base repository is fetched with the rest (when the run is queued).
      if (pr.fromFork === 1) throw error;
      return;
    }
  }
  if (pr.fromFork !== 1) return;
  const fork = forkSource(project, pr);
  await source.fetchRef(`refs/heads/${fork.branch}`, forkHeadRef(pr.number), fork.url);
}

/** The SHA of a ref on the project's remote (or on `from`), null when absent. */
export type RefLookup = (ref: string, from?: string) => Promise<string | null>;

/**
 * One listing of the remote per repository, however many pull requests are checked against it:
 * a reconcile pass over N previews costs one ls-remote, not N (a git host's rate limit counts them).
 */
export function listedRefs(source: Source): RefLookup {
  const listings = new Map<string, Promise<ReadonlyMap<string, string>>>();
  return async (ref, from) => {
    const key = from ?? '';
    let listing = listings.get(key);
    if (!listing) {
      listing = source.remoteRefs(from);
      listings.set(key, listing);
    }
    return (await listing).get(ref) ?? null;
  };
}

/** Why an open pull request's head is gone (its preview is then removed), or null while it is there or nobody can tell. */
export async function headGone(refs: RefLookup, project: Project, pr: PullRequest): Promise<string | null> {
  if (pr.fromFork !== 1) return (await refs(`refs/heads/${pr.headRef}`)) === null ? `branch ${pr.headRef} of pull request #${pr.number} is gone` : null;
  const ref = hostRef(pr);
  if (ref !== null) return (await refs(ref)) === null ? `${ref} of pull request #${pr.number} is gone` : null;
  if (pr.host !== 'bitbucket') return null; // a record from before the host was kept: left to previews.ttl
  let fork: { url: string; branch: string };
  try {
    fork = forkSource(project, pr);
  } catch {
    return null;
  }
  return (await refs(`refs/heads/${fork.branch}`, fork.url)) === null ? `branch ${fork.branch} of the fork ${pr.headRepo ?? ''} (pull request #${pr.number}) is gone` : null;
}
