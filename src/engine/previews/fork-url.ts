// Where to fetch the head of a fork's pull request on a host without pull request refs
// (Bitbucket Cloud): the project's own repository URL with the base repository's full name
// replaced by the fork's. The address is derived, never taken from the payload, so it keeps the
// project's host, scheme and credentials, and a payload cannot point Sluice at another server.

/** A full name as hosts spell it: owner/name (GitLab groups nest), no `.` or `..` segments. */
const FULL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;

export function forkUrl(projectRepo: string, baseRepo: string | null, headRepo: string | null): string | null {
  if (baseRepo === null || headRepo === null || !FULL_NAME.test(baseRepo) || !FULL_NAME.test(headRepo)) return null;
  if (/\.\.|\.git$/.test(headRepo)) return null;
  const repo = projectRepo.replace(/\/+$/, '');
  const suffix = /\.git$/i.test(repo) ? '.git' : '';
  const stem = repo.slice(0, repo.length - suffix.length);
  // The base name must be the URL's last path segments, after a '/' or ':' (scp-like git@host:owner/name).
  if (!stem.toLowerCase().endsWith(baseRepo.toLowerCase())) return null;
  const prefix = stem.slice(0, stem.length - baseRepo.length);
  if (!prefix.endsWith('/') && !prefix.endsWith(':')) return null;
  return `${prefix}${headRepo}${suffix}`;
}

/** A branch name git accepts in a refspec (git check-ref-format, the parts that matter here). */
export function isSafeBranch(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.lock') &&
    !name.endsWith('.') &&
    !/\.\.|@\{|\/\/|\/\./.test(name) &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f~^:?*[\\]/.test(name)
  );
}
