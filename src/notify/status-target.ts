// Helpers for the caller: where to post (derived from the project's clone URL unless an API URL
// is configured) and which commit state a run state shows as.

import { SourceError } from '../errors.ts';
import { defaultApiUrl } from './status-request.ts';
import type { CommitState, GitHost, StatusTarget } from './status-request.ts';

/**
 * Builds a target from a clone URL (https://host/owner/name.git, git@host:owner/name.git,
 * ssh://git@host:2222/owner/name.git). Self-hosted GitLab and Gitea get their API on the same
 * host (…/api/v4, …/api/v1), GitHub Enterprise on …/api/v3; `apiUrl` overrides all of this.
 */
export function statusTargetFromRepoUrl(host: GitHost, repoUrl: string, token: string, apiUrl?: string): StatusTarget {
  const parsed = parseRepoUrl(repoUrl);
  if (parsed === null) throw new SourceError(`cannot tell the ${host} repository from ${JSON.stringify(redactUserinfo(repoUrl))}`, { details: { host } });
  const repo = parsed.path.replace(/\.git$/, '');
  return { host, apiUrl: apiUrl ?? apiUrlFor(host, parsed.origin, parsed.hostname), repo, token };
}

/**
 * Run states (src/store/records.ts) to commit states. Null: post nothing (a superseded run is
 * followed by the run that replaced it, which posts its own status).
 */
export function commitStateForRun(runState: string): CommitState | null {
  switch (runState) {
    case 'queued':
    case 'running':
    case 'waiting':
      return 'pending';
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    case 'cancelled':
      return 'error';
    default:
      return null;
  }
}

function apiUrlFor(host: GitHost, origin: string, hostname: string): string {
  const cloud = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org', gitea: '' }[host];
  if (hostname === cloud || host === 'bitbucket') return defaultApiUrl(host);
  if (host === 'github') return `${origin}/api/v3`;
  return `${origin}/${host === 'gitlab' ? 'api/v4' : 'api/v1'}`;
}

function parseRepoUrl(repoUrl: string): { origin: string; hostname: string; path: string } | null {
  // scp-like git@host:owner/name; a URL's scheme is followed by "//", which this refuses.
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(repoUrl);
  if (scp?.[1] && scp[2]) {
    return { origin: `https://${scp[1]}`, hostname: scp[1], path: trimSlashes(scp[2]) };
  }
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return null;
  }
  const path = trimSlashes(decodeURIComponent(url.pathname));
  if (path === '' || !path.includes('/')) return null;
  // An ssh URL's port is the ssh port, not the web one.
  const origin = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : `https://${url.hostname}`;
  return { origin, hostname: url.hostname, path };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function redactUserinfo(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
