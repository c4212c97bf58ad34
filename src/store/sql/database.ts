// Kysely's view of the tables: the records of ../records.ts, with generated keys marked.
import type { Generated } from 'kysely';
import type { AcmeAccountRecord } from '../../certificates/acme-account-record.ts';
import type { CertificateRecord } from '../../certificates/certificate-record.ts';
import type { AuditRecord, SessionRecord, TokenRecord, DataKeyRecord, EnvironmentRecord, LogLine, Preview, Project, PullRequest, Release, Rollout, Run, SecretGrant, SecretRecord, Stage, Step } from '../records.ts';
import type { FlagRollout } from '../../flags/flag-rollout-records.ts';

/** A domain claim as stored: the certificate reference flattened, hsts as 0/1. */
export interface DomainClaimRow {
  domain: string;
  project: string;
  environment: string;
  service: string;
  certificateGroup: string | null;
  certificateKey: string | null;
  hsts: number;
}

/** A platform event as stored (src/events/platform-event.ts): run, commit and facts flattened. */
export interface EventRow {
  seq: Generated<number>;
  id: string;
  kind: string;
  at: string;
  project: string;
  environment: string | null;
  release: number | null;
  runId: string | null;
  runNumber: number | null;
  commitJson: string | null;
  cause: string;
  summary: string;
  factsJson: string;
}

/** An alert's state (src/alerts/alert-records.ts); the last change as JSON. */
export interface AlertStateRow {
  project: string;
  environment: string;
  name: string;
  state: string;
  since: string;
  value: number | null;
  threshold: number;
  samples: number;
  rolledBackRelease: number | null;
  lastChangeJson: string | null;
}

/** One change of an alert's state, with the figure that caused it. */
export interface AlertChangeRow {
  id: Generated<number>;
  project: string;
  environment: string;
  name: string;
  at: string;
  changeJson: string;
}

/** The outbox (src/notifications/delivery-record.ts) as stored. */
export interface NotificationDeliveryRow {
  id: string;
  eventId: string;
  eventSeq: number;
  project: string;
  kind: string;
  target: string;
  url: string;
  targetHost: string;
  format: string;
  state: string;
  attempts: number;
  lastStatus: string | null;
  nextAttemptAt: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An environment's flag state (src/flags/flag-records.ts) as JSON, with its version for compare-and-set. */
export interface FlagStateRow {
  project: string;
  environment: string;
  version: number;
  stateJson: string;
  updatedAt: string;
}

/** One change of one flag (before, after, who) as JSON. */
export interface FlagChangeRow {
  id: Generated<number>;
  project: string;
  environment: string;
  key: string;
  version: number;
  at: string;
  changeJson: string;
}

/** A flag rollout (src/flags/flag-rollout-records.ts); state and phase are checked when read. */
export type FlagRolloutRow = Omit<FlagRollout, 'state' | 'phase' | 'promoteRequested'> & {
  state: string;
  phase: string;
  promoteRequested: string | null;
  /** `project/env/flag` while active, else null (unique). */
  activeKey: string | null;
};

export interface Database {
  projects: Project;
  runs: Run;
  stages: Stage;
  steps: Step;
  logLines: Omit<LogLine, 'id'> & { id: Generated<number> };
  environments: EnvironmentRecord;
  releases: Release;
  rollouts: Rollout;
  deliveries: { host: string; project: string; id: string; receivedAt: string };
  pullRequests: PullRequest;
  previews: Preview;
  secrets: SecretRecord;
  dataKeys: DataKeyRecord;
  /** Ids are given explicitly (the chain's next id), never by the database. */
  audit: AuditRecord;
  /** One row (id 1): the newest entry of the chain; also the row appends lock. */
  auditHead: { id: number; lastId: number; lastHash: string };
  secretGrants: SecretGrant;
  tokens: TokenRecord;
  sessions: SessionRecord;
  domainClaims: DomainClaimRow;
  certificates: CertificateRow;
  acmeAccounts: AcmeAccountRecord;
  events: EventRow;
  alertStates: AlertStateRow;
  alertChanges: AlertChangeRow;
  notificationDeliveries: NotificationDeliveryRow;
  notifierCursor: { id: number; seq: number };
  notificationSecrets: { project: string; sealed: string; createdAt: string };
  leases: { name: string; owner: string; expiresAt: string };
  flagStates: FlagStateRow;
  flagChanges: FlagChangeRow;
  flagRollouts: FlagRolloutRow;
}

/** The domain list is a JSON column. */
export type CertificateRow = Omit<CertificateRecord, 'domains'> & { domainsJson: string };
