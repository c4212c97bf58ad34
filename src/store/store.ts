// The Store port: everything the engine keeps durable. Implemented once over Kysely
// (store/sql/sql-store.ts) for SQLite and PostgreSQL; the engine never sees SQL.
import type { AuditHead } from '../audit/audit-chain.ts';
import type { AcmeAccountRecord } from '../certificates/acme-account-record.ts';
import type { CertificateRecord } from '../certificates/certificate-record.ts';
import type { DomainClaim } from '../domains/domain-claim.ts';
import type { EventRecords } from '../events/event-log.ts';
import type { AlertRecords } from '../alerts/alert-records.ts';
import type { NotificationRecords } from '../notifications/delivery-record.ts';
import type { FlagRecords } from '../flags/flag-records.ts';
import type { FlagRolloutRecords } from '../flags/flag-rollout-records.ts';
import type { AuditRecord, SessionRecord, TokenRecord, DataKeyRecord, EnvironmentRecord, LogLine, Preview, Project, PullRequest, Release, Rollout, Run, SecretGrant, SecretRecord, SecretVersionRecord, Stage, Step } from './records.ts';

export type NewRun = Omit<Run, 'preview' | 'number' | 'attempt' | 'cancelRequested' | 'leaseOwner' | 'leaseExpiresAt' | 'approvedBy' | 'approvedAt' | 'startedAt' | 'finishedAt' | 'reason' | 'artifactDigest' | 'image' | 'specJson' | 'configSha' | 'fromFork' | 'triggeredBy'> & {
  preview?: number | null;
  configSha?: string | null;
  fromFork?: number;
  triggeredBy?: string | null;
};
/** `image` may be left out: a release without an OCI image (most tests, projects without `image:`). */
export type NewRelease = Omit<Release, 'number' | 'image'> & { image?: string | null };
export type NewLogLine = Omit<LogLine, 'id'>;
export type NewAuditEntry = Omit<AuditRecord, 'id' | 'prevHash' | 'hash'>;

export interface AuditFilter {
  project?: string;
  /** Entries at or after this ISO time. */
  since?: string;
  limit: number;
}

/** A named lease: held by one server at a time until `expiresAt` unless renewed. */
export interface LeaseRecord {
  name: string;
  owner: string;
  expiresAt: string;
}

export interface Store extends EventRecords, AlertRecords, NotificationRecords, FlagRecords, FlagRolloutRecords {
  migrate(): Promise<void>;
  close(): Promise<void>;

  createProject(project: Project): Promise<void>;
  getProject(name: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  updateProject(name: string, patch: Partial<Project>): Promise<void>;

  /** Inserts a run with the next number of its project (unique even with several servers). */
  createRun(run: NewRun): Promise<Run>;
  getRun(id: string): Promise<Run | undefined>;
  getRunByNumber(project: string, number: number): Promise<Run | undefined>;
  listRuns(project: string, limit: number): Promise<Run[]>;
  listRunsInState(states: string[]): Promise<Run[]>;
  /** How many runs each project has in each state (for metrics). */
  countRunsByState(): Promise<Array<{ project: string; state: string; count: number }>>;
  /**
   * Compare-and-set: applies the patch only when the run is in one of `from` (and, when
   * `owner` is given, its lease is held by exactly that owner, null for none); true when applied.
   */
  updateRun(id: string, patch: Partial<Run>, from?: string[], owner?: string | null): Promise<boolean>;
  /** Atomically moves the oldest queued run to running under a lease held by `owner`. */
  claimRun(owner: string, leaseUntil: string, now: string): Promise<Run | undefined>;
  renewLeases(owner: string, leaseUntil: string): Promise<void>;

  addStages(stages: Stage[]): Promise<void>;
  listStages(runId: string): Promise<Stage[]>;
  updateStage(id: string, patch: Partial<Stage>): Promise<void>;
  addSteps(steps: Step[]): Promise<void>;
  listSteps(runId: string): Promise<Step[]>;
  updateStep(id: string, patch: Partial<Step>): Promise<void>;

  /**
   * Run-log rows (`log_lines`): an older Sluice kept run output here. Lines now go to the
   * LogStore; the server moves these rows there once (src/server/open-log-store.ts).
   * appendLogs stays for tests and fixtures that write such rows.
   */
  appendLogs(lines: NewLogLine[]): Promise<void>;
  /** The oldest `limit` run-log rows, with their run's project. */
  readOldLogs(limit: number): Promise<Array<LogLine & { project: string }>>;
  /** Deletes the run-log rows up to and including this id. */
  deleteOldLogs(throughId: number): Promise<number>;

  ensureEnvironment(project: string, name: string, now: string): Promise<EnvironmentRecord>;
  getEnvironment(project: string, name: string): Promise<EnvironmentRecord | undefined>;
  listEnvironments(project?: string): Promise<EnvironmentRecord[]>;
  updateEnvironment(project: string, name: string, patch: Partial<EnvironmentRecord>): Promise<void>;
  /**
   * A lease on one environment: deploys to it are serialized across servers. `takeOverFrom`
   * takes the lease from that exact holder (known dead) by compare-and-set.
   */
  lockEnvironment(project: string, name: string, owner: string, until: string, now: string, takeOverFrom?: string): Promise<boolean>;
  unlockEnvironment(project: string, name: string, owner: string): Promise<void>;
  /**
   * Takes or renews the lease `name` until `until`: true when it was free, lapsed (expired
   * before `now`), already `owner`'s, or held by exactly `takeOverFrom` (a holder known dead).
   */
  acquireLease(name: string, owner: string, until: string, now: string, takeOverFrom?: string): Promise<boolean>;
  getLease(name: string): Promise<LeaseRecord | undefined>;
  /** Frees the lease if `owner` holds it (a server stopping hands it on at once). */
  releaseLease(name: string, owner: string): Promise<void>;

  /** Inserts a release with the next number of its environment. */
  createRelease(release: NewRelease): Promise<Release>;
  getRelease(project: string, environment: string, number: number): Promise<Release | undefined>;
  listReleases(project: string, environment: string): Promise<Release[]>;
  updateRelease(project: string, environment: string, number: number, patch: Partial<Release>): Promise<void>;
  createRollout(rollout: Rollout): Promise<void>;
  getRollout(id: string): Promise<Rollout | undefined>;
  /** The newest rollout of an environment. */
  latestRollout(project: string, environment: string): Promise<Rollout | undefined>;
  listRollouts(filter: { states?: string[]; runId?: string }): Promise<Rollout[]>;
  updateRollout(id: string, patch: Partial<Rollout>): Promise<void>;

  /** Records a webhook delivery id; false when it was seen before (a redelivery). */
  recordDelivery(host: string, project: string, id: string, at: string): Promise<boolean>;

  upsertPullRequest(pr: PullRequest): Promise<void>;
  getPullRequest(project: string, number: number): Promise<PullRequest | undefined>;
  listPullRequests(project?: string): Promise<PullRequest[]>;
  upsertPreview(preview: Preview): Promise<void>;
  getPreview(project: string, number: number): Promise<Preview | undefined>;
  listPreviews(filter: { project?: string; state?: string }): Promise<Preview[]>;
  updatePreview(project: string, number: number, patch: Partial<Preview>): Promise<void>;

  listDataKeys(): Promise<DataKeyRecord[]>;
  saveDataKey(k: DataKeyRecord): Promise<void>;
  replaceWrapped(id: string, wrapped: string): Promise<void>;
  /** Inserts the next version of a secret key; `seal(version)` gives its sealed value (the version is part of its AAD). */
  putSecret(group: string, key: string, seal: (version: number) => string, meta: { deleted: boolean; createdBy: string; createdAt: string }): Promise<SecretRecord>;
  /** The newest version of each key of a group (tombstones included: check `deleted`). */
  latestSecrets(group: string): Promise<SecretRecord[]>;
  getSecret(group: string, key: string, version: number): Promise<SecretRecord | undefined>;
  /** Every version of one key, newest first (tombstones included), without the sealed values; empty for a key never set. */
  secretVersions(group: string, key: string): Promise<SecretVersionRecord[]>;
  listSecretGroups(): Promise<string[]>;

  /**
   * Appends one entry to the audit chain: the next id, the previous entry's hash, its own hash.
   * Appends are serialized (a lock on PostgreSQL, the single writer on SQLite; a lost race is
   * tried again), so the chain never forks, also with several servers on one database.
   */
  appendAudit(entry: NewAuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Entries with an id above `afterId`, in id order (for verification). */
  auditChain(afterId: number, limit: number): Promise<AuditRecord[]>;
  /** The id and hash of the newest entry appended; undefined before the chain head exists. */
  auditHead(): Promise<AuditHead | undefined>;
  auditIdOfHash(hash: string): Promise<number | undefined>;

  /** Grants a secret group to a project (which may not exist yet); false when it was granted already. */
  grantSecretGroup(grant: SecretGrant): Promise<boolean>;
  /** False when there was no such grant. */
  revokeSecretGrant(group: string, project: string): Promise<boolean>;
  listSecretGrants(filter?: { project?: string; group?: string }): Promise<SecretGrant[]>;

  /** Inserts a token; a name already used (even by a revoked token) is a ConflictError. */
  createToken(token: TokenRecord): Promise<void>;
  getTokenById(id: string): Promise<TokenRecord | undefined>;
  /** Every token, revoked ones included, in name order. */
  listTokens(): Promise<TokenRecord[]>;
  /** Marks a live token revoked; false when no live token has that name. */
  revokeToken(name: string, at: string): Promise<boolean>;

  /** Dashboard sessions, by the hash of the cookie value. */
  createSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Sets lastSeenAt (never earlier than it was). */
  touchSession(id: string, at: string): Promise<void>;
  /** False when there was no such session. */
  deleteSession(id: string): Promise<boolean>;
  /** Deletes sessions past their absolute expiry (`now`) or idle since before `idleBefore`; returns how many. */
  deleteStaleSessions(now: string, idleBefore: string): Promise<number>;
  /** Deletes every session signed in with the token of this id; returns how many. */
  deleteTokenSessions(tokenId: string): Promise<number>;

  /** TLS certificates (ACME and provided), in id order. */
  listCertificates(): Promise<CertificateRecord[]>;
  getCertificate(id: string): Promise<CertificateRecord | undefined>;
  /** Inserts or replaces the record with this id. */
  putCertificate(rec: CertificateRecord): Promise<void>;
  /** False when there was no such certificate. */
  deleteCertificate(id: string): Promise<boolean>;
  /** The server's ACME account at one CA (its directory URL). */
  getAcmeAccount(directoryUrl: string): Promise<AcmeAccountRecord | undefined>;
  putAcmeAccount(account: AcmeAccountRecord): Promise<void>;
  /** Custom domain claims, by project, environment and domain. */
  listDomainClaims(filter?: { project?: string }): Promise<DomainClaim[]>;
  /**
   * Makes `claims` the exact set the (project, environment) holds, atomically. A domain another
   * (project, environment) holds is a ConflictError naming the holder, and nothing changes.
   */
  replaceDomainClaims(project: string, environment: string, claims: DomainClaim[]): Promise<void>;

}
