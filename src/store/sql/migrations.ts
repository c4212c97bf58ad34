// Schema migrations, written once with Kysely's schema builder for every dialect. The only
// difference between dialects is a capability (how an auto-increment key is spelt).
import { domainClaimsMigration } from './domain-claims-migration.ts';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { sql } from 'kysely';
import { auditChainMigration } from './audit-chain-migration.ts';
import { secretGrantsMigration } from './secret-grants-migration.ts';
import { certificatesMigration } from './certificates-migration.ts';
import { abortCauseMigration } from './abort-cause-migration.ts';
import { leaseMigration } from './lease-migration.ts';
import { notificationsMigration } from './notifications-migration.ts';
import { flagsMigration } from './flags-migration.ts';
import { sessionsMigration } from './sessions-migration.ts';
import { releaseImageMigration } from './release-image-migration.ts';
import { flagRolloutsMigration } from './flag-rollouts-migration.ts';

export interface DialectCapabilities {
  /** Column type of an auto-incrementing integer key: 'integer' (SQLite) or 'bigserial' (PostgreSQL). */
  serialType: 'integer' | 'bigserial';
  /**
   * Transaction-scoped advisory locks (PostgreSQL's pg_advisory_xact_lock): several servers
   * serialize audit appends through one. SQLite has a single writer and needs none.
   */
  advisoryLocks: boolean;
}

function initial(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('projects')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('repo', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('webhook_secret', 'text', (c) => c.notNull())
        .addColumn('last_seen_sha', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project', 'text', (c) => c.notNull().references('projects.name'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('artifact_digest', 'text')
        .addColumn('spec_json', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('approved_by', 'text')
        .addColumn('approved_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addUniqueConstraint('runs_project_number', ['project', 'number'])
        .execute();
      await db.schema.createIndex('runs_state').on('runs').columns(['state', 'created_at']).execute();
      await db.schema
        .createTable('stages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('environment', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('stages_run').on('stages').columns(['run_id', 'idx']).execute();
      await db.schema
        .createTable('steps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
        .addColumn('stage_id', 'text', (c) => c.notNull().references('stages.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('pid', 'integer')
        .addColumn('reason', 'text')
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('steps_run').on('steps').columns(['run_id', 'stage_id', 'idx']).execute();
      await db.schema
        .createTable('log_lines')
        .addColumn('id', caps.serialType, (c) => (caps.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('log_lines_run').on('log_lines').columns(['run_id', 'id']).execute();
      await db.schema
        .createTable('environments')
        .addColumn('project', 'text', (c) => c.notNull().references('projects.name'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('current_release', 'integer')
        .addColumn('desired_release', 'integer')
        .addColumn('last_run_number', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('lock_owner', 'text')
        .addColumn('lock_expires_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('environments_pk', ['project', 'name'])
        .execute();
      await db.schema
        .createTable('releases')
        .addColumn('project', 'text', (c) => c.notNull().references('projects.name'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('run_number', 'integer')
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('artifact_digest', 'text', (c) => c.notNull())
        .addColumn('config_json', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('rolled_back_from', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('releases_pk', ['project', 'environment', 'number'])
        .execute();
      await sql`select 1`.execute(db);
    },
  };
}

/** Environments are listed in the order of the pipeline file (staging before production). */
const environmentPosition: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('environments').addColumn('position', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};

const rollouts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('release', 'integer', (c) => c.notNull())
      .addColumn('stable', 'integer')
      .addColumn('run_id', 'text')
      .addColumn('strategy_json', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('step_started_at', 'text')
      .addColumn('window_json', 'text')
      .addColumn('looks', 'integer', (c) => c.notNull())
      .addColumn('weights_json', 'text', (c) => c.notNull())
      .addColumn('decisions_json', 'text', (c) => c.notNull())
      .addColumn('promote_requested', 'text')
      .addColumn('abort_requested', 'text')
      .addColumn('reason', 'text')
      .addColumn('bake_until', 'text')
      .addColumn('scale_down_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('rollouts_env').on('rollouts').columns(['project', 'environment', 'created_at']).execute();
  },
};

const previews: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('preview', 'integer').execute();
    await db.schema
      .createTable('deliveries')
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('deliveries_pk', ['host', 'project', 'id'])
      .execute();
    await db.schema
      .createTable('pull_requests')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('head_sha', 'text', (c) => c.notNull())
      .addColumn('head_ref', 'text', (c) => c.notNull())
      .addColumn('from_fork', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_requests_pk', ['project', 'number'])
      .execute();
    await db.schema
      .createTable('previews')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('head_sha', 'text', (c) => c.notNull())
      .addColumn('head_ref', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('last_request_at', 'text')
      .addColumn('requests_seen', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('previews_pk', ['project', 'number'])
      .execute();
  },
};

function secrets(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('secrets')
        .addColumn('group', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('secrets_pk', ['group', 'key', 'version'])
        .execute();
      await db.schema
        .createTable('data_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit')
        .addColumn('id', caps.serialType, (c) => (caps.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

const projectStatus: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('projects').addColumn('status_host', 'text').execute();
    await db.schema.alterTable('projects').addColumn('status_repo', 'text').execute();
    await db.schema.alterTable('projects').addColumn('status_api_url', 'text').execute();
  },
};

// API tokens (hashes only) and who triggered a run (for approvers.allowSelf).
const tokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tokens')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('projects', 'text')
      .addColumn('environments', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.alterTable('runs').addColumn('triggered_by', 'text').execute();
  },
};

/** Fork previews: the base-branch commit of a preview's settings, the fork flag on runs, and where a pull request's head lives. */
const forkPreviews: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('config_sha', 'text').execute();
    await db.schema.alterTable('runs').addColumn('from_fork', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('previews').addColumn('config_sha', 'text').execute();
    for (const column of ['host', 'base_ref', 'head_repo', 'base_repo']) await db.schema.alterTable('pull_requests').addColumn(column, 'text').execute();
    // Preview runs of forks queued before the upgrade keep the fork's limits (they were read from the pull request then).
    await sql`update runs set from_fork = 1 where preview is not null and exists (select 1 from pull_requests p where p.project = runs.project and p.number = runs.preview and p.from_fork = 1)`.execute(db);
  },
};

/** The platform's event record (src/events/platform-event.ts): read after a seq cursor by the notifier, by project, environment, kind and time for the DORA keys. */
function events(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('seq', caps.serialType, (c) => (caps.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('environment', 'text')
        .addColumn('release', 'integer')
        .addColumn('run_id', 'text')
        .addColumn('run_number', 'integer')
        .addColumn('commit_json', 'text')
        .addColumn('cause', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('facts_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_project_at').on('events').columns(['project', 'environment', 'at']).execute();
    },
  };
}

/** Alert state per (project, environment, alert), and the history of its changes (src/alerts). */
function alerts(caps: DialectCapabilities): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alert_states')
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('threshold', 'double precision', (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('rolled_back_release', 'integer')
        .addColumn('last_change_json', 'text')
        .addPrimaryKeyConstraint('alert_states_pk', ['project', 'environment', 'name'])
        .execute();
      await db.schema
        .createTable('alert_changes')
        .addColumn('id', caps.serialType, (c) => (caps.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('change_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alert_changes_by_alert').on('alert_changes').columns(['project', 'environment', 'name', 'id']).execute();
    },
  };
}

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  return {
    getMigrations: async () => ({ '0001_initial': initial(caps), '0002_environment_position': environmentPosition, '0003_rollouts': rollouts, '0004_previews': previews, '0005_secrets': secrets(caps), '0006_project_status': projectStatus,
      '0007_tokens': tokens,
      '0008_audit_chain': auditChainMigration,
      '0009_secret_grants': secretGrantsMigration,
      '0010_fork_previews': forkPreviews,
      '0011_certificates': certificatesMigration,
      '0012_domain_claims': domainClaimsMigration,
      '0013_events': events(caps),
      '0014_alerts': alerts(caps),
      '0015_notifications': notificationsMigration,
      '0016_flags': flagsMigration(caps.serialType),
      '0017_alert_lease': leaseMigration,
      '0018_abort_cause': abortCauseMigration,
      '0019_flag_rollouts': flagRolloutsMigration,
      '0020_sessions': sessionsMigration,
      '0021_release_image': releaseImageMigration,
    }),
  };
}
