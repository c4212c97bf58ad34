// The dashboard in a real browser (Debian's chromium driven by playwright-core, no download):
// sign-in with the admin token, the Overview with the project, a reload keeps the session,
// sign-out refuses the old cookie, an idle session sends back to sign-in keeping the page, and
// cookie changes without the CSRF token or from a foreign origin are refused. No console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { TestRepo, TestServer, adminTokenOf, runCli } from './harness.ts';

const chromiumPath = '/usr/bin/chromium';
const idleS = 15;

void test('the dashboard: sign in with a token, Overview, reload, sign out, idle expiry, CSRF', { skip: fs.existsSync(chromiumPath) ? false : `no browser at ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = await TestServer.start(['--session-idle', `${idleS}s`]);
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  t.after(async () => {
    await browser.close();
    await server.close();
    repo.remove();
  });
  const added = await runCli(['project', 'add', 'hello', '--repo', repo.dir], { server: server.url });
  assert.equal(added.code, 0, added.stderr);
  const token = adminTokenOf(server.url)!;

  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const problems: string[] = [];
  let allowed401 = 0;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The browser logs every refused request; the wrong token below is refused on purpose.
    if (allowed401 > 0 && /status of 401/.test(m.text())) return void allowed401--;
    problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  // Signed out: the sign-in page, with the field labelled "API token".
  await page.goto(server.url);
  await page.getByLabel('API token').waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await page.getByRole('link', { name: 'Sign in with SSO' }).count(), 0, 'no SSO without OIDC');

  // A wrong token: the API's message.
  allowed401 = 1;
  await page.getByLabel('API token').fill(`sluice_${'0'.repeat(64)}`);
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'unknown token' }).waitFor({ timeout: 15_000 });

  // The admin token, by keyboard: the Overview lists the project.
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 15_000 });
  await page.getByRole('heading', { name: 'hello' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/');
  const cookie = (await context.cookies()).find((c) => c.name === 'sluice_session');
  assert.ok(cookie?.httpOnly, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360, 'no horizontal scroll at 360 px');
  assert.deepEqual(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts(), ['Overview', 'Logs', 'Flags'], 'only pages that exist');

  // A reload keeps the session.
  await page.reload();
  await page.getByRole('heading', { name: 'hello' }).waitFor({ timeout: 15_000 });

  // Changes carried by the cookie: without the CSRF token, or from a foreign origin, refused.
  const csrf = ((await (await fetch(`${server.url}/api/session`, { headers: { cookie: `sluice_session=${cookie.value}` } })).json()) as { csrfToken: string }).csrfToken;
  const change = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: `sluice_session=${cookie.value}`, ...headers }, body: JSON.stringify({ name: 'from-web', role: 'viewer' }) });
  assert.equal((await change({ origin: server.url })).status, 403, 'no CSRF token');
  assert.equal((await change({ origin: 'http://evil.example', 'x-csrf-token': csrf })).status, 403, 'foreign origin');
  assert.equal((await change({ origin: server.url, 'x-csrf-token': csrf })).status, 201, 'own origin with the CSRF token');

  // Sign out: back to sign-in, and the old cookie is refused by the API.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor({ timeout: 15_000 });
  const after = await fetch(`${server.url}/api/projects`, { headers: { cookie: `sluice_session=${cookie.value}` } });
  assert.equal(after.status, 401);

  // An idle session: the next visit goes to sign-in and keeps the page asked for.
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'hello' }).waitFor({ timeout: 15_000 });
  const session = (await page.evaluate(async () => (await fetch('/api/session')).json())) as { idleExpiresAt: string };
  await page.goto('about:blank'); // nothing polls while the session idles
  const deadline = Date.parse(session.idleExpiresAt) + 60_000;
  for (;;) {
    if (Date.now() > Date.parse(session.idleExpiresAt) + 500) break;
    assert.ok(Date.now() < deadline);
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.goto(`${server.url}/?project=hello`);
  await page.getByLabel('API token').waitFor({ timeout: 15_000 });
  const url = new URL(page.url());
  assert.equal(url.pathname, '/sign-in');
  assert.equal(url.searchParams.get('next'), '/?project=hello');
  await page.getByRole('status').filter({ hasText: 'session ended' }).waitFor({ timeout: 5_000 });
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'hello' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/?project=hello', 'back to the page asked for');

  // The static files: hashed assets cached for long, the page never; any other path is the page.
  const html = await fetch(`${server.url}/some/view`);
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('cache-control'), 'no-cache');
  const asset = /\/assets\/[^"]+\.js/.exec(await html.text())![0];
  const js = await fetch(`${server.url}${asset}`);
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await fetch(`${server.url}/api/nope`)).status, 404, 'the API keeps its 404');

  assert.deepEqual(problems, []);
});
