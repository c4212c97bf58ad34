// Turns one commit status into the HTTP request each git host expects. Pure: no I/O, so the
// per-host quirks (state names, auth schemes, path encodings, field limits) live in one place.

import { createHash } from 'node:crypto';
import { SourceError } from '../errors.ts';
import type { GitHost } from '../hooks/hook-types.ts';

export type { GitHost } from '../hooks/hook-types.ts';

export interface StatusTarget {
  host: GitHost;
  /** API root without a trailing slash needed, e.g. https://api.github.com, https://gitlab.example.com/api/v4. */
  apiUrl: string;
  /** owner/name (Bitbucket: workspace/repo_slug; GitLab: the project path, any depth, or its numeric id). */
  repo: string;
  token: string;
}

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  sha: string;
  state: CommitState;
  /** Label that tells this status apart from others on the same commit, e.g. `sluice/production`. */
  context: string;
  /** Truncated to 140 characters. */
  description: string;
  /** Link shown next to the status: the preview URL or the run's page. */
  targetUrl?: string;
}

export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

export const MAX_DESCRIPTION = 140;
/** Bitbucket refuses longer keys. */
export const MAX_BITBUCKET_KEY = 40;

export function defaultApiUrl(host: GitHost): string {
  switch (host) {
    case 'github':
      return 'https://api.github.com';
    case 'gitlab':
      return 'https://gitlab.com/api/v4';
    case 'bitbucket':
      return 'https://api.bitbucket.org/2.0';
    case 'gitea':
      // Gitea and Forgejo are nearly always self-hosted: configure apiUrl (https://HOST/api/v1).
      return 'https://gitea.com/api/v1';
  }
}

/** Cuts on code points (never halves an emoji) and marks the cut with an ellipsis. */
export function truncateDescription(text: string, max = MAX_DESCRIPTION): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Bitbucket keys: a short, stable identifier; long contexts keep a hash so two never collide. */
export function bitbucketKey(context: string): string {
  const clean = context.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sluice';
  if (clean.length <= MAX_BITBUCKET_KEY) return clean;
  const hash = createHash('sha256').update(context).digest('hex').slice(0, 8);
  return `${clean.slice(0, MAX_BITBUCKET_KEY - 9)}-${hash}`;
}

/** GitLab takes a numeric id as is, and a path with its slashes encoded (`group%2Fsub%2Fproj`). */
export function gitlabProjectId(repo: string): string {
  if (/^\d+$/.test(repo)) return repo;
  // Already encoded by the caller: do not encode the % again.
  if (/%2f/i.test(repo)) return repo;
  return encodeURIComponent(repo.replace(/^\/+|\/+$/g, ''));
}

export function buildStatusRequest(target: StatusTarget, status: CommitStatus): StatusRequest {
  const api = normalizeApiUrl(target);
  const sha = checkSha(target, status.sha);
  const description = truncateDescription(status.description);
  const json = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'sluice' };
  const targetUrl: Record<string, string> = status.targetUrl ? { target_url: status.targetUrl } : {};

  switch (target.host) {
    case 'github': {
      const [owner, name] = ownerAndName(target);
      return {
        url: `${api}/repos/${owner}/${name}/statuses/${sha}`,
        headers: { ...json, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', Authorization: `Bearer ${target.token}` },
        body: { state: status.state, context: status.context, description, ...targetUrl },
      };
    }
    case 'gitea': {
      const [owner, name] = ownerAndName(target);
      return {
        url: `${api}/repos/${owner}/${name}/statuses/${sha}`,
        headers: { ...json, Authorization: `token ${target.token}` },
        body: { state: status.state, context: status.context, description, ...targetUrl },
      };
    }
    case 'gitlab': {
      if (target.repo.trim() === '') throw invalidTarget(target, 'the GitLab project (path or id) is empty');
      return {
        url: `${api}/projects/${gitlabProjectId(target.repo)}/statuses/${sha}`,
        headers: { ...json, 'PRIVATE-TOKEN': target.token },
        body: { state: gitlabState[status.state], name: status.context, description, ...targetUrl },
      };
    }
    case 'bitbucket': {
      const [workspace, slug] = ownerAndName(target);
      return {
        url: `${api}/repositories/${workspace}/${slug}/commit/${sha}/statuses/build`,
        headers: { ...json, Authorization: bitbucketAuth(target.token) },
        body: {
          key: bitbucketKey(status.context),
          state: bitbucketState[status.state],
          name: status.context,
          description,
          // Bitbucket requires a URL; without one, point at the commit itself.
          url: status.targetUrl || `https://bitbucket.org/${workspace}/${slug}/commits/${sha}`,
        },
      };
    }
  }
}

// GitLab has no separate "error": a run that could not finish shows as failed.
const gitlabState = { pending: 'pending', success: 'success', failure: 'failed', error: 'failed' } as const satisfies Record<CommitState, string>;
// Bitbucket's STOPPED fits a run that ended without a verdict (cancelled, internal error).
const bitbucketState = { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'STOPPED' } as const satisfies Record<CommitState, string>;

/** `user:secret` (app password, or email:API token) is Basic; anything else is a bearer token. */
function bitbucketAuth(token: string): string {
  return token.includes(':') ? `Basic ${Buffer.from(token).toString('base64')}` : `Bearer ${token}`;
}

function normalizeApiUrl(target: StatusTarget): string {
  let url: URL;
  try {
    url = new URL(target.apiUrl);
  } catch {
    throw invalidTarget(target, `the API URL ${JSON.stringify(target.apiUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidTarget(target, `the API URL must be http(s), not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw invalidTarget(target, 'the API URL must not carry credentials; use the token');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function ownerAndName(target: StatusTarget): [string, string] {
  const parts = target.repo.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  const [owner, name] = parts;
  if (parts.length !== 2 || !owner || !name) throw invalidTarget(target, `the repository must be "owner/name", not ${JSON.stringify(target.repo)}`);
  return [encodeURIComponent(owner), encodeURIComponent(name)];
}

function checkSha(target: StatusTarget, sha: string): string {
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw invalidTarget(target, `${JSON.stringify(sha)} is not a commit id`);
  return sha.toLowerCase();
}

function invalidTarget(target: StatusTarget, why: string): SourceError {
  return new SourceError(`cannot post a ${target.host} commit status to ${target.repo}: ${why}`, { retryable: false, details: { host: target.host, repo: target.repo } });
}
