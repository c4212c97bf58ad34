// The Store over Kysely: one implementation for every SQL dialect. Dialect differences are
// capabilities handed to the migrations, never `if (sqlite)` here.
import { setTimeout as sleep } from 'node:timers/promises';
import { Migrator, type Kysely, type Transaction } from 'kysely';
import type { AuditHead } from '../../audit/audit-chain.ts';
import { listDomainClaims, replaceDomainClaimsIn } from './sql-domain-claims.ts';
import type { DomainClaim } from '../../domains/domain-claim.ts';
import { insertToken, revokeTokenNamed } from './sql-tokens.ts';
import { deleteSessionRow, deleteStaleSessionRows, deleteTokenSessionRows, getSessionRow, insertSession, touchSessionRow } from './sql-sessions.ts';
import { deleteSecretGrant, insertSecretGrant, latestSecretRows, listSecretGrantRows, secretGroupNames, secretVersionRows } from './sql-secrets.ts';
import { deleteCertificateRow, getAcmeAccountRow, getCertificateRow, listCertificateRows, putAcmeAccountRow, putCertificateRow } from './sql-certificates.ts';
import type { AcmeAccountRecord } from '../../certificates/acme-account-record.ts';
import type { CertificateRecord } from '../../certificates/certificate-record.ts';
import { isUniqueViolation } from './is-unique-violation.ts';
import { isNumberingConflict, numberRetries } from './numbering-conflict.ts';
import { appendEventRow, listEventRows } from './sql-events.ts';
import { getPreviewRow, getPullRequestRow, listPreviewRows, listPullRequestRows, updatePreviewRow, upsertPreviewRow, upsertPullRequestRow } from './sql-previews.ts';
import { listAlertChangeRows, listAlertStateRows, putAlertStateRow } from './sql-alerts.ts';
import { deleteFlagStateRows, getFlagStateRow, listFlagChangeRows, listFlagStateRows, putFlagStateRow } from './sql-flags.ts';
import type { FlagChange, FlagChangeFilter, FlagEnvironmentState } from '../../flags/flag-records.ts';
import type { FlagRollout, FlagRolloutFilter } from '../../flags/flag-rollout-records.ts';
import { createFlagRolloutRow, getFlagRolloutRow, latestFlagRolloutRow, listFlagRolloutRows, updateFlagRolloutRow } from './sql-flag-rollouts.ts';
import type { AlertChange, AlertStateFilter, AlertStateRecord } from '../../alerts/alert-records.ts';
import { addDeliveryRows, advanceNotifierCursorRow, claimDeliveryRows, deferDeliveryRow, finishDeliveryRow, getNotificationSecretRow, listDeliveryRows, nextDeliveryDueRow, notifierCursorRow, putNotificationSecretRow } from './sql-notifications.ts';
import type { DeliveryLogEntry, DeliveryOutcome, DeliveryRecord, NewDelivery } from '../../notifications/delivery-record.ts';
import type { EventFilter, PlatformEvent } from '../../events/platform-event.ts';
import { appendAuditEntry, auditEntriesAfter, auditIdOfHash, listAuditEntries, readAuditHead } from './sql-audit.ts';
import { backoffDelay } from '../../backoff.ts';
import type { Database } from './database.ts';
import { migrationProvider, type DialectCapabilities } from './migrations.ts';
import type { AuditRecord, SessionRecord, TokenRecord, DataKeyRecord, EnvironmentRecord, LogLine, Preview, Project, PullRequest, Release, Rollout, Run, SecretGrant, SecretRecord, SecretVersionRecord, Stage, Step } from '../records.ts';
import type { AuditFilter, LeaseRecord, NewAuditEntry, NewLogLine, NewRelease, NewRun, Store } from '../store.ts';
import { acquireLeaseRow, getLeaseRow, releaseLeaseRow } from './sql-leases.ts';
import { SluiceError, ErrorCode, errorMessage } from '../../errors.ts';

export class SqlStore implements Store {
  private readonly db: Kysely<Database>;
  private readonly caps: DialectCapabilities;

  constructor(
    db: Kysely<Database>,
    caps: DialectCapabilities,
  ) {
    this.db = db;
    this.caps = caps;
  }

  /**
   * A numbering transaction (read the top number, insert the next one), tried again while it
   * loses races: another server took the same number at the same moment, so take the next.
   */
  private async numbered<T>(insert: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(insert);
      } catch (error) {
        if (!isNumberingConflict(error) || attempt >= numberRetries) throw error;
        await sleep(backoffDelay(attempt, 1, 50));
      }
    }
  }

  /**
   * Runs forward every migration not yet applied, in name order, each in a transaction. Kysely
   * records the applied names in `kysely_migration` (and serializes concurrent starts through
   * `kysely_migration_lock`). A store that names a migration this code lacks was written by a
   * newer Sluice: refused, never "repaired".
   */
  async migrate(migrationTableSchema?: string): Promise<void> {
    // The schema of Kysely's own tables, named: without it Kysely takes `kysely_migration_lock` of
    // ANY schema of the database as ours (another installation's, another test's) and never makes its own.
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.caps), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
    const { error, results } = await migrator.migrateToLatest();
    const unknown = /previously executed migration (\S+) is missing/.exec(errorMessage(error));
    if (unknown) {
      throw new SluiceError(ErrorCode.conflict, `the store was written by a newer Sluice (it has migration ${unknown[1]}, which this version does not know): run that version, or restore a backup made by this one`, {
        cause: error,
        details: { migration: unknown[1] },
      });
    }
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new SluiceError(ErrorCode.unavailable, `database migration ${failed?.migrationName ?? ''} failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  async createProject(project: Project): Promise<void> {
    await this.db.insertInto('projects').values(project).execute();
  }

  getProject(name: string): Promise<Project | undefined> {
    return this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  }

  listProjects(): Promise<Project[]> {
    return this.db.selectFrom('projects').selectAll().orderBy('name').execute();
  }

  async updateProject(name: string, patch: Partial<Project>): Promise<void> {
    await this.db.updateTable('projects').set(patch).where('name', '=', name).execute();
  }

  async createRun(run: NewRun): Promise<Run> {
    return this.numbered(async (tx) => {
      const top = await tx.selectFrom('runs').select((eb) => eb.fn.max('number').as('n')).where('project', '=', run.project).executeTakeFirst();
      const full: Run = {
        ...run,
        preview: run.preview ?? null,
        configSha: run.configSha ?? null,
        fromFork: run.fromFork ?? 0,
        number: Number(top?.n ?? 0) + 1,
        attempt: 0,
        cancelRequested: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        approvedBy: null,
        approvedAt: null,
        startedAt: null,
        finishedAt: null,
        reason: null,
        artifactDigest: null,
        image: null,
        specJson: null,
        triggeredBy: run.triggeredBy ?? null,
      };
      await tx.insertInto('runs').values(full).execute();
      return full;
    });
  }

  getRun(id: string): Promise<Run | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getRunByNumber(project: string, number: number): Promise<Run | undefined> {
    return this.db.selectFrom('runs').selectAll().where('project', '=', project).where('number', '=', number).executeTakeFirst();
  }

  listRuns(project: string, limit: number): Promise<Run[]> {
    return this.db.selectFrom('runs').selectAll().where('project', '=', project).orderBy('number', 'desc').limit(limit).execute();
  }

  listRunsInState(states: string[]): Promise<Run[]> {
    return this.db.selectFrom('runs').selectAll().where('state', 'in', states as Run['state'][]).orderBy('createdAt').execute();
  }

  async countRunsByState(): Promise<Array<{ project: string; state: string; count: number }>> {
    return (await this.db.selectFrom('runs').select(['project', 'state', (eb) => eb.fn.countAll<number | string>().as('count')]).groupBy(['project', 'state']).execute()).map((r) => ({ project: r.project, state: r.state, count: Number(r.count) }));
  }

  async updateRun(id: string, patch: Partial<Run>, from?: string[], owner?: string | null): Promise<boolean> {
    let q = this.db.updateTable('runs').set(patch).where('id', '=', id);
    if (from) q = q.where('state', 'in', from as Run['state'][]);
    if (owner !== undefined) q = owner === null ? q.where('leaseOwner', 'is', null) : q.where('leaseOwner', '=', owner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async claimRun(owner: string, leaseUntil: string, now: string): Promise<Run | undefined> {
    // Compare-and-set on the state: of two servers racing for one run, exactly one update applies.
    for (let i = 0; i < 5; i++) {
      const next = await this.db.selectFrom('runs').select('id').where('state', '=', 'queued').orderBy('createdAt').orderBy('number').limit(1).executeTakeFirst();
      if (!next) return undefined;
      const r = await this.db
        .updateTable('runs')
        .set({ state: 'running', leaseOwner: owner, leaseExpiresAt: leaseUntil, startedAt: now })
        .where('id', '=', next.id)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) return this.getRun(next.id);
    }
    return undefined;
  }

  async renewLeases(owner: string, leaseUntil: string): Promise<void> {
    await this.db.updateTable('runs').set({ leaseExpiresAt: leaseUntil }).where('leaseOwner', '=', owner).where('state', '=', 'running').execute();
    // Environment locks are held per deploy as `owner/what`: renew every one of this owner's.
    await this.db.updateTable('environments').set({ lockExpiresAt: leaseUntil }).where((eb) => eb.or([eb('lockOwner', '=', owner), eb('lockOwner', 'like', `${owner}/%`)])).execute();
  }

  async addStages(stages: Stage[]): Promise<void> {
    if (stages.length) await this.db.insertInto('stages').values(stages).execute();
  }

  listStages(runId: string): Promise<Stage[]> {
    return this.db.selectFrom('stages').selectAll().where('runId', '=', runId).orderBy('idx').execute();
  }

  async updateStage(id: string, patch: Partial<Stage>): Promise<void> {
    await this.db.updateTable('stages').set(patch).where('id', '=', id).execute();
  }

  async addSteps(steps: Step[]): Promise<void> {
    if (steps.length) await this.db.insertInto('steps').values(steps).execute();
  }

  listSteps(runId: string): Promise<Step[]> {
    return this.db.selectFrom('steps').selectAll().where('runId', '=', runId).orderBy('stageId').orderBy('idx').execute();
  }

  async updateStep(id: string, patch: Partial<Step>): Promise<void> {
    await this.db.updateTable('steps').set(patch).where('id', '=', id).execute();
  }

  async appendLogs(lines: NewLogLine[]): Promise<void> {
    // Bounded batches: SQLite allows at most 32766 bound parameters per statement.
    for (let i = 0; i < lines.length; i += 500) {
      await this.db.insertInto('logLines').values(lines.slice(i, i + 500)).execute();
    }
  }

  readOldLogs(limit: number): Promise<Array<LogLine & { project: string }>> {
    return this.db
      .selectFrom('logLines')
      .innerJoin('runs', 'runs.id', 'logLines.runId')
      .select(['logLines.id', 'logLines.runId', 'logLines.stepId', 'logLines.at', 'logLines.stream', 'logLines.line', 'runs.project'])
      .orderBy('logLines.id')
      .limit(limit)
      .execute();
  }

  async deleteOldLogs(throughId: number): Promise<number> {
    const result = await this.db.deleteFrom('logLines').where('id', '<=', throughId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async ensureEnvironment(project: string, name: string, now: string): Promise<EnvironmentRecord> {
    const existing = await this.getEnvironment(project, name);
    if (existing) return existing;
    const record: EnvironmentRecord = {
      project,
      name,
      currentRelease: null,
      desiredRelease: null,
      lastRunNumber: null,
      position: 0,
      state: 'empty',
      reason: null,
      lockOwner: null,
      lockExpiresAt: null,
      updatedAt: now,
    };
    try {
      await this.db.insertInto('environments').values(record).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return (await this.getEnvironment(project, name)) ?? record;
  }

  getEnvironment(project: string, name: string): Promise<EnvironmentRecord | undefined> {
    return this.db.selectFrom('environments').selectAll().where('project', '=', project).where('name', '=', name).executeTakeFirst();
  }

  listEnvironments(project?: string): Promise<EnvironmentRecord[]> {
    let q = this.db.selectFrom('environments').selectAll();
    if (project !== undefined) q = q.where('project', '=', project);
    return q.orderBy('project').orderBy('position').orderBy('name').execute();
  }

  async updateEnvironment(project: string, name: string, patch: Partial<EnvironmentRecord>): Promise<void> {
    await this.db.updateTable('environments').set(patch).where('project', '=', project).where('name', '=', name).execute();
  }

  async lockEnvironment(project: string, name: string, owner: string, until: string, now: string, takeOverFrom?: string): Promise<boolean> {
    const r = await this.db
      .updateTable('environments')
      .set({ lockOwner: owner, lockExpiresAt: until })
      .where('project', '=', project)
      .where('name', '=', name)
      .where((eb) => {
        const free = [eb('lockOwner', 'is', null), eb('lockOwner', '=', owner), eb('lockExpiresAt', '<', now)];
        if (takeOverFrom !== undefined) free.push(eb('lockOwner', '=', takeOverFrom));
        return eb.or(free);
      })
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async unlockEnvironment(project: string, name: string, owner: string): Promise<void> {
    await this.db.updateTable('environments').set({ lockOwner: null, lockExpiresAt: null }).where('project', '=', project).where('name', '=', name).where('lockOwner', '=', owner).execute();
  }

  async createRelease(release: NewRelease): Promise<Release> {
    return this.numbered(async (tx) => {
      const top = await tx
        .selectFrom('releases')
        .select((eb) => eb.fn.max('number').as('n'))
        .where('project', '=', release.project)
        .where('environment', '=', release.environment)
        .executeTakeFirst();
      const full: Release = { ...release, image: release.image ?? null, number: Number(top?.n ?? 0) + 1 };
      await tx.insertInto('releases').values(full).execute();
      return full;
    });
  }

  getRelease(project: string, environment: string, number: number): Promise<Release | undefined> {
    return this.db.selectFrom('releases').selectAll().where('project', '=', project).where('environment', '=', environment).where('number', '=', number).executeTakeFirst();
  }

  listReleases(project: string, environment: string): Promise<Release[]> {
    return this.db.selectFrom('releases').selectAll().where('project', '=', project).where('environment', '=', environment).orderBy('number', 'desc').execute();
  }

  async updateRelease(project: string, environment: string, number: number, patch: Partial<Release>): Promise<void> {
    await this.db.updateTable('releases').set(patch).where('project', '=', project).where('environment', '=', environment).where('number', '=', number).execute();
  }

  async createRollout(rollout: Rollout): Promise<void> {
    await this.db.insertInto('rollouts').values(rollout).execute();
  }

  getRollout(id: string): Promise<Rollout | undefined> {
    return this.db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  latestRollout(project: string, environment: string): Promise<Rollout | undefined> {
    return this.db
      .selectFrom('rollouts')
      .selectAll()
      .where('project', '=', project)
      .where('environment', '=', environment)
      .orderBy('createdAt', 'desc')
      .orderBy('release', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  listRollouts(filter: { states?: string[]; runId?: string }): Promise<Rollout[]> {
    let q = this.db.selectFrom('rollouts').selectAll();
    if (filter.states) q = q.where('state', 'in', filter.states as Rollout['state'][]);
    if (filter.runId !== undefined) q = q.where('runId', '=', filter.runId);
    return q.orderBy('createdAt').execute();
  }

  async updateRollout(id: string, patch: Partial<Rollout>): Promise<void> {
    await this.db.updateTable('rollouts').set(patch).where('id', '=', id).execute();
  }

  async recordDelivery(host: string, project: string, id: string, at: string): Promise<boolean> {
    try {
      await this.db.insertInto('deliveries').values({ host, project, id, receivedAt: at }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  upsertPullRequest(pr: PullRequest): Promise<void> {
    return upsertPullRequestRow(this.db, pr);
  }

  getPullRequest(project: string, number: number): Promise<PullRequest | undefined> {
    return getPullRequestRow(this.db, project, number);
  }

  listPullRequests(project?: string): Promise<PullRequest[]> {
    return listPullRequestRows(this.db, project);
  }

  upsertPreview(p: Preview): Promise<void> {
    return upsertPreviewRow(this.db, p);
  }

  getPreview(project: string, number: number): Promise<Preview | undefined> {
    return getPreviewRow(this.db, project, number);
  }

  listPreviews(filter: { project?: string; state?: string }): Promise<Preview[]> {
    return listPreviewRows(this.db, filter);
  }

  updatePreview(project: string, number: number, patch: Partial<Preview>): Promise<void> {
    return updatePreviewRow(this.db, project, number, patch);
  }

  listDataKeys(): Promise<DataKeyRecord[]> {
    return this.db.selectFrom('dataKeys').selectAll().orderBy('createdAt').orderBy('id').execute();
  }

  async saveDataKey(k: DataKeyRecord): Promise<void> {
    await this.db.insertInto('dataKeys').values(k).execute();
  }

  async replaceWrapped(id: string, wrapped: string): Promise<void> {
    await this.db.updateTable('dataKeys').set({ wrapped }).where('id', '=', id).execute();
  }

  async putSecret(group: string, key: string, seal: (version: number) => string, meta: { deleted: boolean; createdBy: string; createdAt: string }): Promise<SecretRecord> {
    return this.numbered(async (tx) => {
      const top = await tx.selectFrom('secrets').select((eb) => eb.fn.max('version').as('v')).where('group', '=', group).where('key', '=', key).executeTakeFirst();
      const version = Number(top?.v ?? 0) + 1;
      const row: SecretRecord = { group, key, version, sealed: meta.deleted ? '' : seal(version), deleted: meta.deleted ? 1 : 0, createdBy: meta.createdBy, createdAt: meta.createdAt };
      await tx.insertInto('secrets').values(row).execute();
      return row;
    });
  }

  latestSecrets(group: string): Promise<SecretRecord[]> {
    return latestSecretRows(this.db, group);
  }

  getSecret(group: string, key: string, version: number): Promise<SecretRecord | undefined> {
    return this.db.selectFrom('secrets').selectAll().where('group', '=', group).where('key', '=', key).where('version', '=', version).executeTakeFirst();
  }

  listSecretGroups(): Promise<string[]> {
    return secretGroupNames(this.db);
  }

  secretVersions(group: string, key: string): Promise<SecretVersionRecord[]> {
    return secretVersionRows(this.db, group, key);
  }

  appendAudit(entry: NewAuditEntry): Promise<AuditRecord> {
    return this.numbered((tx) => appendAuditEntry(tx, this.caps, entry));
  }

  listAudit(filter: AuditFilter): Promise<AuditRecord[]> {
    return listAuditEntries(this.db, filter);
  }

  auditChain = (afterId: number, limit: number): Promise<AuditRecord[]> => auditEntriesAfter(this.db, afterId, limit);
  auditHead = (): Promise<AuditHead | undefined> => readAuditHead(this.db);
  auditIdOfHash = (hash: string): Promise<number | undefined> => auditIdOfHash(this.db, hash);

  grantSecretGroup = (grant: SecretGrant): Promise<boolean> => insertSecretGrant(this.db, grant);
  revokeSecretGrant = (group: string, project: string): Promise<boolean> => deleteSecretGrant(this.db, group, project);
  listSecretGrants = (filter: { project?: string; group?: string } = {}): Promise<SecretGrant[]> => listSecretGrantRows(this.db, filter);

  createToken = (token: TokenRecord): Promise<void> => insertToken(this.db, token);
  getTokenById = (id: string): Promise<TokenRecord | undefined> => this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  listTokens = (): Promise<TokenRecord[]> => this.db.selectFrom('tokens').selectAll().orderBy('name').execute();
  revokeToken = (name: string, at: string): Promise<boolean> => revokeTokenNamed(this.db, name, at);

  createSession = (session: SessionRecord): Promise<void> => insertSession(this.db, session);
  getSession = (id: string): Promise<SessionRecord | undefined> => getSessionRow(this.db, id);
  touchSession = (id: string, at: string): Promise<void> => touchSessionRow(this.db, id, at);
  deleteSession = (id: string): Promise<boolean> => deleteSessionRow(this.db, id);
  deleteStaleSessions = (now: string, idleBefore: string): Promise<number> => deleteStaleSessionRows(this.db, now, idleBefore);
  deleteTokenSessions = (tokenId: string): Promise<number> => deleteTokenSessionRows(this.db, tokenId);

  listDomainClaims = (filter?: { project?: string }): Promise<DomainClaim[]> => listDomainClaims(this.db, filter);
  replaceDomainClaims = (project: string, environment: string, claims: DomainClaim[]): Promise<void> => this.numbered((tx) => replaceDomainClaimsIn(tx, project, environment, claims));

  listCertificates = (): Promise<CertificateRecord[]> => listCertificateRows(this.db);
  getCertificate = (id: string): Promise<CertificateRecord | undefined> => getCertificateRow(this.db, id);
  putCertificate = (rec: CertificateRecord): Promise<void> => putCertificateRow(this.db, rec);
  deleteCertificate = (id: string): Promise<boolean> => deleteCertificateRow(this.db, id);
  getAcmeAccount = (directoryUrl: string): Promise<AcmeAccountRecord | undefined> => getAcmeAccountRow(this.db, directoryUrl);
  putAcmeAccount = (account: AcmeAccountRecord): Promise<void> => putAcmeAccountRow(this.db, account);

  appendEvent = (event: Omit<PlatformEvent, 'seq'>): Promise<PlatformEvent> => appendEventRow(this.db, event);
  listEvents = (filter: EventFilter): Promise<PlatformEvent[]> => listEventRows(this.db, filter);

  listAlertStates = (filter: AlertStateFilter): Promise<AlertStateRecord[]> => listAlertStateRows(this.db, filter);
  putAlertState = (state: AlertStateRecord, change?: AlertChange): Promise<void> => putAlertStateRow(this.db, state, change);
  listAlertChanges = (filter: AlertStateFilter & { name?: string; limit: number }): Promise<AlertChange[]> => listAlertChangeRows(this.db, filter);
  getNotificationSecret = (project: string): Promise<string | undefined> => getNotificationSecretRow(this.db, project);
  putNotificationSecret = (project: string, sealed: string, now: string): Promise<string> => putNotificationSecretRow(this.db, project, sealed, now);
  notifierCursor = (): Promise<number> => notifierCursorRow(this.db);
  advanceNotifierCursor = (seq: number): Promise<void> => advanceNotifierCursorRow(this.db, seq);
  addDeliveries = (deliveries: readonly NewDelivery[]): Promise<number> => addDeliveryRows(this.db, deliveries);
  claimDeliveries = (owner: string, now: string, leaseUntil: string, limit: number): Promise<DeliveryRecord[]> => claimDeliveryRows(this.db, owner, now, leaseUntil, limit);
  finishDelivery = (id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> => finishDeliveryRow(this.db, id, owner, outcome);
  deferDelivery = (id: string, owner: string, nextAttemptAt: string): Promise<boolean> => deferDeliveryRow(this.db, id, owner, nextAttemptAt);
  listDeliveries = (project: string, limit: number, environments?: readonly string[]): Promise<DeliveryLogEntry[]> => listDeliveryRows(this.db, project, limit, environments);
  nextDeliveryDue = (): Promise<string | null> => nextDeliveryDueRow(this.db);

  acquireLease = (name: string, owner: string, until: string, now: string, takeOverFrom?: string): Promise<boolean> => acquireLeaseRow(this.db, name, owner, until, now, takeOverFrom);
  getLease = (name: string): Promise<LeaseRecord | undefined> => getLeaseRow(this.db, name);
  releaseLease = (name: string, owner: string): Promise<void> => releaseLeaseRow(this.db, name, owner);
  getFlagState = (project: string, environment: string): Promise<FlagEnvironmentState | undefined> => getFlagStateRow(this.db, project, environment);
  listFlagStates = (): Promise<FlagEnvironmentState[]> => listFlagStateRows(this.db);
  putFlagState = (state: FlagEnvironmentState, expectedVersion: number | null, changes: FlagChange[]): Promise<boolean> => putFlagStateRow(this.db, state, expectedVersion, changes);
  listFlagChanges = (filter: FlagChangeFilter): Promise<FlagChange[]> => listFlagChangeRows(this.db, filter);
  deleteFlagState = (project: string, environment: string): Promise<void> => deleteFlagStateRows(this.db, project, environment);
  createFlagRollout = (rollout: FlagRollout): Promise<boolean> => createFlagRolloutRow(this.db, rollout);
  getFlagRollout = (id: string): Promise<FlagRollout | undefined> => getFlagRolloutRow(this.db, id);
  latestFlagRollout = (project: string, environment: string, flag: string): Promise<FlagRollout | undefined> => latestFlagRolloutRow(this.db, project, environment, flag);
  listFlagRollouts = (filter: FlagRolloutFilter): Promise<FlagRollout[]> => listFlagRolloutRows(this.db, filter);
  updateFlagRollout = (id: string, patch: Partial<FlagRollout>): Promise<void> => updateFlagRolloutRow(this.db, id, patch);
}
