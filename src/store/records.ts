// The records the store keeps (camelCase; snake_case in SQL through Kysely's CamelCasePlugin).
// Times are ISO-8601 strings (portable between SQLite and PostgreSQL, and ordered
// lexicographically); flags are integers 0/1 for the same reason.
import type { ChainedAuditEntry } from '../audit/audit-chain.ts';

export const RunState = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  superseded: 'superseded',
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];
export const terminalRunStates: ReadonlySet<string> = new Set([RunState.succeeded, RunState.failed, RunState.cancelled, RunState.superseded]);

/** Stages and steps: pending until they start; skipped when an earlier gate stopped the run. */
export const StageState = {
  pending: 'pending',
  running: 'running',
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
  superseded: 'superseded',
} as const;
export type StageState = (typeof StageState)[keyof typeof StageState];

export interface Project {
  name: string;
  repo: string;
  branch: string;
  webhookSecret: string;
  lastSeenSha: string | null;
  createdAt: string;
  /** Where run states are posted as commit statuses (the token is a secret, see engine/notify). */
  statusHost: string | null;
  statusRepo: string | null;
  statusApiUrl: string | null;
}

export interface Run {
  id: string;
  project: string;
  number: number;
  commitSha: string;
  branch: string;
  ref: string;
  author: string;
  message: string;
  trigger: string;
  /** The pull request a preview run deploys (to environment pr-N); null for branch runs. */
  preview: number | null;
  state: RunState;
  reason: string | null;
  artifactDigest: string | null;
  /** The OCI image the build pushed (`host/repo:rN@sha256:…`); null without `image:` in sluice.yaml. */
  image: string | null;
  specJson: string | null;
  attempt: number;
  cancelRequested: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  /** The token that asked for the run (`sluice trigger`); null for commits, webhooks and older runs. */
  triggeredBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /**
   * A preview run: the base-branch commit whose sluice.yaml gives the `previews` settings (never
   * the pull request's own file); null for branch runs and for runs queued before it was kept.
   */
  configSha: string | null;
  /** 1: a preview of a pull request from a fork (waits for a deployer; only previews.forkSecrets). */
  fromFork: number;
}

export interface Stage {
  id: string;
  runId: string;
  idx: number;
  name: string;
  kind: string;
  environment: string | null;
  state: StageState;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Step {
  id: string;
  runId: string;
  stageId: string;
  idx: number;
  name: string;
  state: StageState;
  exitCode: number | null;
  pid: number | null;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface LogLine {
  id: number;
  runId: string;
  stepId: string | null;
  at: string;
  stream: string;
  line: string;
}

export interface EnvironmentRecord {
  project: string;
  name: string;
  currentRelease: number | null;
  desiredRelease: number | null;
  lastRunNumber: number | null;
  /** Place in the pipeline file's order (the deploy order). */
  position: number;
  state: string;
  reason: string | null;
  lockOwner: string | null;
  lockExpiresAt: string | null;
  updatedAt: string;
}

export interface Release {
  project: string;
  environment: string;
  number: number;
  runId: string | null;
  runNumber: number | null;
  commitSha: string;
  artifactDigest: string;
  /** The run's image, pinned by digest (a rollback copies it: same digest, no rebuild); null: none. */
  image: string | null;
  configJson: string;
  state: string;
  reason: string | null;
  rolledBackFrom: number | null;
  createdAt: string;
}


export const RolloutState = {
  progressing: 'progressing',
  paused: 'paused',
  promoted: 'promoted',
  aborted: 'aborted',
} as const;
export type RolloutState = (typeof RolloutState)[keyof typeof RolloutState];

/** Steps of a rollout's state machine; which ones a strategy uses is in engine/rollout. */
export const RolloutPhase = {
  start: 'start',
  step: 'step',
  promote: 'promote',
  ready: 'ready',
  switch: 'switch',
  bake: 'bake',
  done: 'done',
} as const;
export type RolloutPhase = (typeof RolloutPhase)[keyof typeof RolloutPhase];

/**
 * The desired and observed state of one environment moving to one release, by a strategy.
 * A controller moves it phase by phase; every transition is written here first, so a
 * control plane killed at any point resumes exactly where it was.
 */
export interface Rollout {
  id: string;
  project: string;
  environment: string;
  release: number;
  stable: number | null;
  runId: string | null;
  strategyJson: string;
  state: RolloutState;
  /** Strategy-specific step of the state machine. */
  phase: RolloutPhase;
  step: number;
  stepStartedAt: string | null;
  /** Cumulative router metrics at the start of the current window (JSON), for deltas. */
  windowJson: string | null;
  looks: number;
  weightsJson: string;
  decisionsJson: string;
  promoteRequested: string | null;
  abortRequested: string | null;
  /** Who asked for the abort, as data (`alert:NAME`, `token:NAME`, `run`, `server`; engine/rollout/abort-request.ts). */
  abortCause: string | null;
  reason: string | null;
  bakeUntil: string | null;
  scaleDownAt: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A preview environment of one pull request (environment `pr-N`). */
export interface Preview {
  project: string;
  number: number;
  headSha: string;
  headRef: string;
  /** active | removed */
  state: string;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
  lastRequestAt: string | null;
  /** Requests the router had counted for it at the last look (to notice new ones). */
  requestsSeen: number;
  /** The base-branch commit whose `previews` settings (ttl) apply; null before it was kept. */
  configSha: string | null;
}

/** The last known state of a pull request, from webhook events (and the reconciler). */
export interface PullRequest {
  project: string;
  number: number;
  /** open | closed */
  state: string;
  headSha: string;
  headRef: string;
  fromFork: number;
  updatedAt: string;
  /** The host the events came from (github, gitlab, bitbucket, gitea); null for rows older than it. */
  host: string | null;
  /** The branch the pull request merges into, whose sluice.yaml gives the preview settings. */
  baseRef: string | null;
  /** Full names of the head and base repositories as the host gave them (a Bitbucket fork is fetched by them). */
  headRepo: string | null;
  baseRepo: string | null;
}

/** One version of one key of a secret group. The value is sealed (AES-256-GCM under a data key). */
export interface SecretRecord {
  group: string;
  key: string;
  version: number;
  /** JSON of the sealed value; empty for a tombstone. */
  sealed: string;
  deleted: number;
  createdBy: string;
  createdAt: string;
}

/** A version of a secret key without its sealed value: what a history shows. */
export type SecretVersionRecord = Omit<SecretRecord, 'sealed'>;

/** A data key, wrapped (sealed) under the master key. */
export interface DataKeyRecord {
  id: string;
  wrapped: string;
  createdAt: string;
}

/** One entry of the audit trail, hash-chained to the entry before it (its fields: src/audit/audit-chain.ts). */
export type AuditRecord = ChainedAuditEntry;

/** A secret group granted to a project: its sluice.yaml may name the group. */
export interface SecretGrant {
  group: string;
  project: string;
  createdBy: string;
  createdAt: string;
}

/** A dashboard session (migration 0020_sessions): only the hash of its cookie value is kept. */
export interface SessionRecord {
  /** SHA-256 (hex) of the cookie value. */
  id: string;
  /** How the person signed in: 'token' or 'oidc' (src/auth/session-origin.ts). */
  kind: string;
  /** The principal's name: the token's, or the OIDC identity's (the actor in the audit trail). */
  name: string;
  role: string;
  /** JSON array of project names, or null for every project. */
  projects: string | null;
  /** JSON array of environment names, or null for every environment. */
  environments: string | null;
  /** A token sign-in: the token's public id (its revocation or expiry ends the session). */
  tokenId: string | null;
  /** An OIDC sign-in: the issuer and subject of the identity. */
  issuer: string | null;
  subject: string | null;
  createdAt: string;
  lastSeenAt: string;
  /** The absolute end: the configured maximum age, or earlier when the token or identity expires first. */
  expiresAt: string;
}

/** An API token: only its hash is kept. `id` is the public part of the value, used to find the row. */
export interface TokenRecord {
  name: string;
  id: string;
  /** SHA-256 (hex) of the whole token value. */
  hash: string;
  role: string;
  /** JSON array of project names, or null for every project. */
  projects: string | null;
  /** JSON array of environment names, or null for every environment. */
  environments: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}
