// GET /api/overview's answer is scoped like the per-project routes: a token limited to projects
// or environments sees only those, in every part of the answer (environments, previews, traffic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overviewOf, type OverviewDeps } from '../../src/api/overview-view.ts';
import type { Principal } from '../../src/auth/principal.ts';
import type { RunDetail } from '../../src/engine/engine.ts';
import type { ProjectStatus } from '../../src/engine/deploy/project-status.ts';
import type { Project, Run } from '../../src/store/records.ts';

const at = '2026-12-06T05:00:00.000Z';
const project = (name: string): Project => ({ name, repo: `/repos/${name}`, branch: 'main', webhookSecret: 's', lastSeenSha: null, createdAt: at, statusHost: null, statusRepo: null, statusApiUrl: null });
const run = (name: string, number: number, commit: string, state: Run['state']): RunDetail => ({ run: { id: `${name}-r${number}`, project: name, number, commitSha: commit, message: `change ${number}\n\nbody`, state } as Run, stages: [], steps: [] });
const env = (name: string, commit: string | null) => ({ name, url: `http://${name}`, state: commit ? 'healthy' : 'empty', release: commit ? { number: 1, commit, artifact: 'a', createdAt: at } : null });

function deps(): OverviewDeps {
  const names = ['shop', 'blog', 'wiki'];
  return {
    engine: {
      listProjects: async () => names.map(project),
      runs: async (name: string) => [run(name, 3, 'c3', 'running'), run(name, 2, 'c2', 'succeeded'), run(name, 1, 'c1', 'succeeded')],
    },
    deployer: { status: async (name: string): Promise<ProjectStatus> => ({ project: name, dataPlane: 'up', environments: [env('production', 'c2'), env('staging', 'c3'), env('pr-7', 'c1'), env('pr-8', null)] }) },
    traffic: { intervalMs: 5000, of: () => ['production', 'staging', 'pr-7'].map((environment) => ({ environment, samples: [{ at, rps: 1, errorRate: 0 }] })) },
    apiBase: () => 'http://127.0.0.1:1',
  };
}

const principal = (projects: string[] | null, environments: string[] | null): Principal => ({ name: 't', role: 'viewer', projects, environments });

void test('an unlimited token sees every project, environments and previews apart, each release with its run', async () => {
  const o = await overviewOf(deps(), principal(null, null));
  assert.deepEqual(o.projects.map((p) => p.project.name), ['shop', 'blog', 'wiki']);
  const shop = o.projects[0]!;
  assert.deepEqual(shop.environments.map((e) => [e.name, e.run?.number ?? null]), [['production', 2], ['staging', 3]]);
  assert.deepEqual(shop.previews.map((e) => [e.name, e.run?.number ?? null]), [['pr-7', 1], ['pr-8', null]]);
  assert.deepEqual(shop.lastRun, { id: 'shop-r3', number: 3, state: 'running', message: 'change 3\n\nbody' });
  assert.equal(shop.traffic.length, 3);
  assert.equal(shop.project.webhooks.secret, undefined, 'never the webhook secret');
});

void test('a token limited to projects and environments sees only those, as the per-project routes', async () => {
  const o = await overviewOf(deps(), principal(['blog', 'wiki'], ['production', 'pr-7']));
  assert.deepEqual(o.projects.map((p) => p.project.name), ['blog', 'wiki']);
  for (const p of o.projects) {
    assert.deepEqual(p.environments.map((e) => e.name), ['production']);
    assert.deepEqual(p.previews.map((e) => e.name), ['pr-7']);
    assert.deepEqual(p.traffic.map((t) => t.environment), ['production', 'pr-7']);
  }
});

void test('?project= reads one project, and not one the token may not see', async () => {
  assert.deepEqual((await overviewOf(deps(), principal(null, null), 'wiki')).projects.map((p) => p.project.name), ['wiki']);
  assert.deepEqual((await overviewOf(deps(), principal(['blog'], null), 'wiki')).projects, []);
});
