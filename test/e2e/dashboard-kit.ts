// The dashboard's pages for the browser tests that visit them all (accessibility, a viewer's
// controls, screenshots), and a sample server to visit them on. Add a page here when you add it:
// its URL (PROJECT stands for the sample project's name) and the name of its h1.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { appFiles } from './fixtures.ts';
import { TestRepo, TestServer, adminTokenOf } from './harness.ts';

export const chromiumPath = '/usr/bin/chromium';

export interface DashboardPage {
  /** The URL's path and query; PROJECT is replaced by the sample project's name. */
  url: string;
  heading: string;
  /** Its file name under docs/screenshots/ (npm run screenshots); absent: no screenshot. */
  screenshot?: string;
}

export const dashboardPages: readonly DashboardPage[] = [
  { url: '/', heading: 'Overview', screenshot: 'overview' },
  { url: '/secrets?group=shop-config&key=STRIPE_KEY', heading: 'Secrets', screenshot: 'secrets' },
  { url: '/tokens', heading: 'API tokens', screenshot: 'tokens' },
  { url: '/audit', heading: 'Audit log', screenshot: 'audit' },
  { url: '/dora?project=PROJECT&env=production&since=7d', heading: 'DORA', screenshot: 'dora' },
  { url: '/domains?project=PROJECT', heading: 'Domains and certificates' },
  { url: '/projects/PROJECT/environments/production', heading: 'PROJECT · production', screenshot: 'environment' },
  { url: '/projects/PROJECT/runs/1', heading: 'run #1', screenshot: 'run' },
  { url: '/logs?project=PROJECT&env=production', heading: 'Logs', screenshot: 'logs' },
  { url: '/flags', heading: 'Flags', screenshot: 'flags' },
];

export const sampleProject = 'shop';

export function urlOf(p: DashboardPage, project = sampleProject): string {
  return p.url.replaceAll('PROJECT', encodeURIComponent(project));
}

/** Opens a page and waits for its heading and for nothing to be loading any more. */
export async function visit(page: Page, base: string, p: DashboardPage, project = sampleProject): Promise<void> {
  await page.goto(`${base}${urlOf(p, project)}`);
  await page.getByRole('heading', { level: 1, name: p.heading.replaceAll('PROJECT', project) }).waitFor({ timeout: 15_000 });
  await page.locator('[aria-busy=true]').first().waitFor({ state: 'detached', timeout: 15_000 });
}

/** Signs in on the sign-in page with a token (the page asked for comes back). */
export async function signInWithToken(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: 15_000 });
}

export interface Sample {
  server: TestServer;
  /** The admin token, and a viewer's. */
  token: string;
  viewerToken: string;
  close(): Promise<void>;
}

/**
 * A server with the sample project deployed to staging and production, a secret group granted
 * to it, a second API token, and so entries in the audit trail: every page has something to show.
 */
export async function startSample(): Promise<Sample> {
  const server = await TestServer.start();
  const repo = new TestRepo(appFiles('v1'));
  const close = async (): Promise<void> => {
    await server.close();
    repo.remove();
  };
  try {
    const token = adminTokenOf(server.url);
    assert.ok(token, 'the admin token');
    const ok = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
      const r = await server.api<T>(method, p, body);
      assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await ok('POST', '/api/projects', { name: sampleProject, repo: repo.dir });
    await ok('PUT', '/api/secrets/shop-config/DATABASE_URL', { value: 'postgres://shop:s3cret@db.internal/shop' });
    await ok('PUT', '/api/secrets/shop-config/STRIPE_KEY', { value: 'sk_test_0123456789' });
    await ok('PUT', '/api/secrets/shop-config/STRIPE_KEY', { value: 'sk_test_9876543210' });
    await ok('PUT', `/api/secrets/shop-config/grants/${sampleProject}`);
    await ok('POST', '/api/tokens', { name: 'ci-deployer', role: 'deployer', projects: [sampleProject], expires: '90d' });
    const viewer = await ok<{ token: string }>('POST', '/api/tokens', { name: 'dashboard-viewer', role: 'viewer' });
    const run = await server.waitRun(sampleProject, repo.head(), 120_000);
    assert.equal(run.state, 'succeeded', JSON.stringify(run));
    return { server, token, viewerToken: viewer.token, close };
  } catch (error) {
    await close();
    throw error;
  }
}
