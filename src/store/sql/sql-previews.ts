// Pull requests and their preview environments in SQL (the Store's part for previews).
import type { Kysely } from 'kysely';
import type { Preview, PullRequest } from '../records.ts';
import type { Database } from './database.ts';

export async function upsertPullRequestRow(db: Kysely<Database>, pr: PullRequest): Promise<void> {
  await db
    .insertInto('pullRequests')
    .values(pr)
    .onConflict((oc) => oc.columns(['project', 'number']).doUpdateSet({
        state: pr.state,
        headSha: pr.headSha,
        headRef: pr.headRef,
        fromFork: pr.fromFork,
        updatedAt: pr.updatedAt,
        host: pr.host,
        baseRef: pr.baseRef,
        headRepo: pr.headRepo,
        baseRepo: pr.baseRepo,
      }),
    )
    .execute();
}

export function getPullRequestRow(db: Kysely<Database>, project: string, number: number): Promise<PullRequest | undefined> {
  return db.selectFrom('pullRequests').selectAll().where('project', '=', project).where('number', '=', number).executeTakeFirst();
}

export function listPullRequestRows(db: Kysely<Database>, project?: string): Promise<PullRequest[]> {
  let q = db.selectFrom('pullRequests').selectAll();
  if (project !== undefined) q = q.where('project', '=', project);
  return q.orderBy('project').orderBy('number').execute();
}

export async function upsertPreviewRow(db: Kysely<Database>, p: Preview): Promise<void> {
  await db
    .insertInto('previews')
    .values(p)
    .onConflict((oc) => oc.columns(['project', 'number']).doUpdateSet({ headSha: p.headSha, headRef: p.headRef, state: p.state, reason: p.reason, updatedAt: p.updatedAt, configSha: p.configSha }))
    .execute();
}

export function getPreviewRow(db: Kysely<Database>, project: string, number: number): Promise<Preview | undefined> {
  return db.selectFrom('previews').selectAll().where('project', '=', project).where('number', '=', number).executeTakeFirst();
}

export function listPreviewRows(db: Kysely<Database>, filter: { project?: string; state?: string }): Promise<Preview[]> {
  let q = db.selectFrom('previews').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  return q.orderBy('project').orderBy('number').execute();
}

export async function updatePreviewRow(db: Kysely<Database>, project: string, number: number, patch: Partial<Preview>): Promise<void> {
  await db.updateTable('previews').set(patch).where('project', '=', project).where('number', '=', number).execute();
}
