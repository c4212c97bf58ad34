// Posts one commit status to a git host's API. Failures become a SourceError whose message names
// the host, the HTTP status and an excerpt of the answer, and never the token.

import { SourceError, errorMessage } from '../errors.ts';
import { buildStatusRequest } from './status-request.ts';
import type { CommitStatus, StatusTarget } from './status-request.ts';

export { defaultApiUrl, truncateDescription } from './status-request.ts';
export type { CommitState, CommitStatus, GitHost, StatusTarget } from './status-request.ts';

export interface PostOptions {
  /** Whole request, answer included. Default 10 s. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const EXCERPT = 300;

export async function postCommitStatus(target: StatusTarget, status: CommitStatus, opts: PostOptions = {}): Promise<void> {
  const request = buildStatusRequest(target, status);
  const doFetch = opts.fetchImpl ?? fetch;
  const where = `${target.host} commit status ${status.context}=${status.state} for ${target.repo}@${status.sha.slice(0, 12)}`;
  const details = { host: target.host, repo: target.repo, sha: status.sha, context: status.context };

  let response: Response;
  let text: string;
  try {
    response = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: JSON.stringify(request.body),
      // A redirect could carry the token elsewhere (fetch only strips Authorization, not
      // PRIVATE-TOKEN): refuse it and ask for the final API URL instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const why = timedOut ? `no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : networkMessage(error);
    throw new SourceError(`${where} failed: ${redact(why, target.token)}`, { retryable: true, details: { ...details, network: true } });
  }

  if (response.status >= 200 && response.status < 300) return;
  // GitLab answers 400 when asked to move a status to the state it is already in (pending →
  // pending): the host already shows what we wanted.
  if (target.host === 'gitlab' && response.status === 400 && /cannot transition status/i.test(text)) return;

  const excerpt = redact(text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT), target.token);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const rateLimited = response.status === 429 || (response.status === 403 && (retryAfterMs !== null || response.headers.get('x-ratelimit-remaining') === '0'));
  const retryable = response.status >= 500 || response.status === 408 || rateLimited;
  const redirect = response.status >= 300 && response.status < 400 ? `; the API redirects to ${response.headers.get('location') ?? '?'}, configure that URL instead` : '';
  throw new SourceError(`${where} failed: HTTP ${response.status} ${response.statusText}${redirect}${hint(response.status)}${excerpt ? `: ${excerpt}` : ''}`, {
    retryable,
    details: { ...details, status: response.status, ...(retryAfterMs === null ? {} : { retryAfterMs }) },
  });
}

function hint(status: number): string {
  if (status === 401) return ' (the token is missing, wrong or expired)';
  if (status === 403) return ' (the token lacks the permission to write commit statuses)';
  if (status === 404) return ' (no such repository or commit, or the token cannot see it)';
  return '';
}

function networkMessage(error: unknown): string {
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND) in the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? errorMessage(error) : `${errorMessage(error)} (${errorMessage(cause)})`;
}

function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Hosts sometimes echo what they got; make sure no form of the token survives in a message. */
function redact(text: string, token: string): string {
  const forms = [token, Buffer.from(token).toString('base64'), ...token.split(':')].filter((s) => s.length >= 4);
  let out = text;
  for (const form of forms) out = out.split(form).join('[redacted]');
  return out;
}
