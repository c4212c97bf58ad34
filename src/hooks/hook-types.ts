// The shape of a verified webhook, common to every git host. Parsers in this folder turn each
// host's payload into these few events; everything else is `ignored` with a reason to log.

export const GIT_HOSTS = ['github', 'gitlab', 'bitbucket', 'gitea'] as const;
export type GitHost = (typeof GIT_HOSTS)[number];

export function isGitHost(value: string): value is GitHost {
  return (GIT_HOSTS as readonly string[]).includes(value);
}

export interface HookRequest {
  /** Header names lowercased, as node's IncomingMessage gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are computed over these bytes. */
  body: Buffer;
}

export type PullRequestAction = 'opened' | 'updated' | 'reopened' | 'closed' | 'merged';

export type HookEvent =
  | {
      kind: 'push';
      branch: string | null;
      tag: string | null;
      /** Commit id the ref now points to; all zeros when the ref was deleted. Bitbucket may send it as given (12+ hex). */
      after: string;
      deleted: boolean;
      /** Union of the paths the payload lists as added/modified/removed. May be incomplete (see README notes). */
      changedPaths: string[];
    }
  | {
      kind: 'pullRequest';
      action: PullRequestAction;
      number: number;
      /** Full sha for GitHub, GitLab and Gitea; Bitbucket sends a short (12 hex) hash, passed through as is. */
      headSha: string;
      headRef: string;
      baseRef: string;
      /** The head branch lives in another repository (a fork); true also when the payload cannot tell. */
      fromFork: boolean;
      /** Full names (owner/name, GitLab: the project path) of the head and base repositories, null when the payload has none. */
      headRepo: string | null;
      baseRepo: string | null;
    }
  | { kind: 'ignored'; reason: string };

export interface VerifiedHook {
  host: GitHost;
  /** The host's delivery id, stable across redeliveries: store it to de-duplicate. */
  deliveryId: string | null;
  event: HookEvent;
}

/**
 * De-duplication is the caller's: this folder only returns `deliveryId`. The lead keeps the ids in
 * the database (unique per project and host), claiming one before queueing any work.
 */
export interface DeliveryDeduper {
  /** True when this id was not seen before (and is now recorded), false for a redelivery. */
  claim(host: GitHost, project: string, deliveryId: string): Promise<boolean>;
}
