// 0009_secret_grants: a project's sluice.yaml may name only the secret groups granted to it.
// So that nothing that works today breaks, each existing project is granted the groups its
// releases hold (secretGroups and the groups of secretRefs) and the groups its newest branch
// run's sluice.yaml named (buildSecrets are in no release). Preview runs do not count: their
// file comes from a pull request. Groups Sluice keeps for itself are never granted.
import type { Kysely, Migration } from 'kysely';
import { z } from 'zod';
import { isReservedSecretGroup } from '../../spec/names.ts';

interface MigrationDb {
  environments: { project: string; name: string; currentRelease: number | null };
  releases: { project: string; environment: string; number: number; configJson: string };
  runs: { project: string; number: number; preview: number | null; specJson: string | null };
  secretGrants: { group: string; project: string; createdBy: string; createdAt: string };
}

const groups = z.array(z.string());
const releaseGroups = z.object({ secretGroups: groups.optional(), secretRefs: z.array(z.object({ group: z.string() })).optional() });
const specGroups = z.object({
  buildSecrets: groups.optional(),
  environments: z.array(z.object({ secrets: groups.optional() })).optional(),
  previews: z.object({ secrets: groups.optional() }).optional(),
});

/** The groups in a JSON column; nothing when it does not parse (such a record names no group it can use). */
function groupsIn(json: string | null, from: 'release' | 'spec'): string[] {
  if (!json) return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (from === 'release') {
    const r = releaseGroups.safeParse(value);
    return r.success ? [...(r.data.secretGroups ?? []), ...(r.data.secretRefs ?? []).map((x) => x.group)] : [];
  }
  const s = specGroups.safeParse(value);
  return s.success ? [...(s.data.buildSecrets ?? []), ...(s.data.environments ?? []).flatMap((e) => e.secrets ?? []), ...(s.data.previews?.secrets ?? [])] : [];
}

export const secretGrantsMigration: Migration = {
  async up(untyped: Kysely<unknown>) {
    const db = untyped as unknown as Kysely<MigrationDb>;
    await db.schema
      .createTable('secret_grants')
      .addColumn('group', 'text', (c) => c.notNull())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_grants_pk', ['group', 'project'])
      .execute();
    await db.schema.createIndex('secret_grants_project').on('secret_grants').columns(['project', 'group']).execute();

    const wanted = new Map<string, Set<string>>();
    const add = (project: string, names: string[]): void => {
      const set = wanted.get(project) ?? new Set<string>();
      for (const g of names) if (!isReservedSecretGroup(g)) set.add(g);
      wanted.set(project, set);
    };
    const current = await db
      .selectFrom('environments')
      .innerJoin('releases', (j) => j.onRef('releases.project', '=', 'environments.project').onRef('releases.environment', '=', 'environments.name').onRef('releases.number', '=', 'environments.currentRelease'))
      // A preview's release took its groups from the pull request's own file: never a reason to grant.
      .where('environments.name', 'not like', 'pr-%')
      .select(['releases.project', 'releases.configJson'])
      .execute();
    for (const r of current) add(r.project, groupsIn(r.configJson, 'release'));
    const runs = await db.selectFrom('runs').select(['project', 'number', 'specJson']).where('preview', 'is', null).where('specJson', 'is not', null).orderBy('project').orderBy('number', 'desc').execute();
    const seen = new Set<string>();
    for (const r of runs) {
      if (seen.has(r.project)) continue;
      seen.add(r.project);
      add(r.project, groupsIn(r.specJson, 'spec'));
    }
    const now = new Date().toISOString();
    for (const [project, set] of wanted) {
      for (const group of [...set].sort()) await db.insertInto('secretGrants').values({ group, project, createdBy: 'upgrade', createdAt: now }).execute();
    }
  },
};
