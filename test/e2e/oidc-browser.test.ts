// Issue 15's scenario 8 in a real browser (Debian's chromium through playwright-core): a viewer
// signs in with the SSO button through a real OpenID provider, lands on the dashboard as a viewer,
// finds no mutating control on any page (test/e2e/dashboard-kit.ts lists them), admin pages say
// which role they need, and a change sent from the page is refused naming the role needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { freePort, sleep, TestRepo, TestServer } from './harness.ts';
import { clientId, clientSecret, startProvider, type TestProvider } from './oidc-kit.ts';
import { dashboardPages, visit } from './dashboard-kit.ts';

const chromiumPath = '/usr/bin/chromium';
const mutating = /\b(approve|reject|roll ?back|promote|abort|cancel|trigger|redeploy|delete|revoke|create|grant|unset|set|reveal|toggle)\b/i;
/** Pages whose reads need an admin: a viewer is told so. */
const adminOnly = new Set(['API tokens', 'Audit log']);

void test('a viewer signs in through the SSO button and can change nothing', async (t) => {
  if (!fs.existsSync(chromiumPath)) {
    console.log(`# skipped: no ${chromiumPath} (apt-get install chromium)`);
    t.skip(`no ${chromiumPath}`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const providerPort = await freePort();
  const server = await TestServer.start([
    '--oidc-issuer', `http://127.0.0.1:${providerPort}`, '--oidc-client-id', clientId, '--oidc-client-secret', 'sso/CLIENT_SECRET',
    '--oidc-role-map', 'sluice-deployers=deployer,readers=viewer',
  ]);
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  let provider: TestProvider | null = null;
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  t.after(async () => {
    await browser.close();
    await provider?.close();
    await server.close();
    repo.remove();
  });
  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);
  // A run, so that the run page (with its approve, reject and cancel for deployers) has one to show.
  assert.equal((await server.cli(['trigger', 'app'])).code, 0);
  await server.waitRun('app', repo.head());
  const set = await server.cli(['secret', 'set', 'sso', 'CLIENT_SECRET'], { input: clientSecret });
  assert.equal(set.code, 0, set.stderr);
  provider = await startProvider({ bob: { email: 'bob@example.test', groups: ['readers'] } }, `${server.url}/api/auth/oidc/callback`, { port: providerPort });
  // The server discovers the provider (it was down at start) on the first click at the latest.
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${server.url}/api/auth/oidc/login`, { redirect: 'manual' })).status !== 302) {
    if (Date.now() > deadline) throw new Error(`the provider was not discovered: ${server.log.slice(-2000)}`);
    await sleep(200);
  }

  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Sign in with SSO' }).click();
  // The provider's own (development) sign-in page, then its consent page.
  await page.locator('input[name=login]').fill('bob');
  await page.locator('input[name=password]').fill('any');
  await page.locator('button[type=submit]').click();
  await page.locator('button[type=submit]').click();
  await page.waitForURL((u) => u.origin === server.url, { timeout: 30_000 });
  const who = page.locator('.who');
  await who.waitFor({ timeout: 30_000 });
  assert.match((await who.textContent()) ?? '', /oidc:bob@example\.test · viewer/);

  // No control that changes something, on any page; a page a viewer may not read names the role.
  const controls = page.locator('button, [role=button], input[type=submit], a');
  for (const p of dashboardPages) {
    await visit(page, server.url, p, 'app');
    const labels = [...(await controls.allTextContents()), ...(await page.evaluate<string[]>("[...document.querySelectorAll('button, [role=button], input[type=submit], a')].map((e) => e.getAttribute('aria-label') ?? '')"))];
    assert.deepEqual(labels.filter((l) => mutating.test(l)), [], `mutating controls on ${p.url}: ${labels.join(' | ')}`);
    if (adminOnly.has(p.heading)) await page.getByRole('alert').filter({ hasText: 'This needs the admin role.' }).first().waitFor({ timeout: 5_000 });
  }
  // The server refuses the change anyway, sent from the page as its API client sends changes.
  const answer = await page.evaluate(async () => {
    const s = (await (await fetch('/api/session')).json()) as { csrfToken: string };
    const r = await fetch('/api/projects/app/trigger', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken }, body: '{}' });
    return { status: r.status, body: (await r.json()) as { message: string } };
  });
  assert.equal(answer.status, 403);
  assert.match(answer.body.message, /needs the deployer role/);
});
