// Payload builders shaped like the hosts' real deliveries (trimmed to the fields that matter plus
// some noise), and signed requests built with the hosts' schemes.
import { signGitea, signGithub, signStandardWebhook } from '../../src/hooks/verify-and-parse.ts';
import type { HookRequest } from '../../src/hooks/verify-and-parse.ts';

export const SECRET = 'whsec_c2x1aWNlLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzLWxvbmchIQ==';
export const SHA_A = '9f0c2a1e5b7d4c3a8e6f1b2d0c9a7e5f3b1d8c6a';
export const SHA_B = '1234567890abcdef1234567890abcdef12345678';
export const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);

export function body(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function githubRequest(event: string, payload: Buffer, secret = SECRET, extra: Record<string, string> = {}): HookRequest {
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': signGithub(payload, secret),
      ...extra,
    },
    body: payload,
  };
}

export function gitlabSignedRequest(event: string, payload: Buffer, opts: { secret?: string; timestampSec?: number; id?: string } = {}): HookRequest {
  const id = opts.id ?? 'msg_2mGJ3pYkKcF8nSDuT0xVh4WdLqZ';
  const ts = opts.timestampSec ?? Math.floor(NOW_MS / 1000);
  return {
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(id, ts, payload, opts.secret ?? SECRET),
      'idempotency-key': 'f6a1d0c4-8e9b-4a57-9d3c-2b1e0f7a6c55',
    },
    body: payload,
  };
}

export function gitlabTokenRequest(event: string, payload: Buffer, token = SECRET): HookRequest {
  return {
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': token, 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' },
    body: payload,
  };
}

export function bitbucketRequest(event: string, payload: Buffer, secret = SECRET): HookRequest {
  return {
    headers: {
      'content-type': 'application/json',
      'x-event-key': event,
      'x-request-uuid': 'b0a7c9e2-3f41-4d8a-9a61-0c5d2e8f7b13',
      'x-hook-uuid': '{5e7f2c9a-0000-4b1d-8c3e-aa11bb22cc33}',
      'x-hub-signature': signGithub(payload, secret),
    },
    body: payload,
  };
}

export function giteaRequest(event: string, payload: Buffer, secret = SECRET): HookRequest {
  return {
    headers: {
      'content-type': 'application/json',
      'x-gitea-event': event,
      'x-gitea-event-type': event,
      'x-gitea-delivery': '6d1c3a2f-7e0b-4f5a-9c8d-1e2f3a4b5c6d',
      'x-gitea-signature': signGitea(payload, secret),
    },
    body: payload,
  };
}

/** GitHub-style push (Gitea's has the same shape, without `deleted`). */
export function githubPush(ref: string, after: string, opts: { deleted?: boolean } = {}): unknown {
  return {
    ref,
    before: SHA_B,
    after,
    created: false,
    deleted: opts.deleted ?? false,
    forced: false,
    compare: 'https://github.com/acme/shop/compare/123...9f0',
    commits: [
      { id: SHA_B, message: 'first', added: ['services/api/new.ts'], modified: ['README.md'], removed: [] },
      { id: after, message: 'second', added: [], modified: ['services/api/new.ts', 'services/web/app.ts'], removed: ['old/file.txt'] },
    ],
    head_commit: { id: after, added: [], modified: ['services/api/new.ts', 'services/web/app.ts'], removed: ['old/file.txt'] },
    repository: { id: 1296269, full_name: 'acme/shop' },
    pusher: { name: 'ada' },
  };
}

export function githubPullRequest(action: string, opts: { merged?: boolean; forkRepo?: string | null } = {}): unknown {
  const headRepo = opts.forkRepo === undefined ? { id: 1, full_name: 'acme/shop' } : opts.forkRepo === null ? null : { id: 2, full_name: opts.forkRepo };
  return {
    action,
    number: 42,
    pull_request: {
      number: 42,
      state: action === 'closed' ? 'closed' : 'open',
      merged: opts.merged ?? false,
      head: { ref: 'feature/login', sha: SHA_A, repo: headRepo },
      base: { ref: 'main', sha: SHA_B, repo: { id: 1, full_name: 'acme/shop' } },
    },
    repository: { id: 1, full_name: 'acme/shop' },
  };
}
