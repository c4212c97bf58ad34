// The dashboard, live, in a real browser (Debian's chromium via playwright-core), at 360 px wide:
//   scenario 2: commit to the example project and watch the run go green without reloading
//     (the Overview links the new run as the stream announces it; its page follows stages and log);
//   scenario 3: a production gate waits; a viewer sees no button; the admin approves it with the
//     keyboard alone and watches the run finish.
//   a lost stream (the server crashes and restarts) shows a banner and resumes;
//   a broken sluice.yaml: the failed run's page shows each problem with its line and column.
// No console errors; nothing scrolls sideways at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { TestRepo, TestServer, adminTokenOf, root } from './harness.ts';
import { chromiumPath, signInWithToken as signIn } from './browser-kit.ts';


/** The example project's files (examples/hello), with the production gate on when asked. */
function exampleFiles(gated: boolean): Record<string, string> {
  const dir = path.join(root, 'examples', 'hello');
  const files = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  // One instance each: the test is about the dashboard, not about capacity.
  files['sluice.yaml'] = files['sluice.yaml']!.replace('instances: 2', 'instances: 1').replace('approval: false', gated ? 'approval: true\n    bake: 0' : 'approval: false\n    bake: 0');
  return files;
}

async function noSidewaysScroll(page: Page, where: string): Promise<void> {
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(width <= 360, `${where}: ${width} px wide at a 360 px viewport`);
}

void test('the dashboard live: a commit goes green without a reload; a production gate is approved by keyboard', { skip: fs.existsSync(chromiumPath) ? false : `no browser at ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = await TestServer.start();
  const hello = new TestRepo(exampleFiles(false));
  const gated = new TestRepo(exampleFiles(true));
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  t.after(async () => {
    await browser.close();
    await server.close();
    hello.remove();
    gated.remove();
  });
  const token = adminTokenOf(server.url)!;
  assert.equal((await server.cli(['project', 'add', 'hello', '--repo', hello.dir])).code, 0);
  const first = await server.waitRun('hello', hello.head(), 90_000);
  assert.equal(first.state, 'succeeded', JSON.stringify(first));

  const problems: string[] = [];
  // While the server is down on purpose, the browser logs its failed reconnects (net::ERR_…).
  let outage = false;
  const watch = (page: Page): void => {
    page.on('console', (m) => void (m.type() === 'error' && !(outage && /net::ERR_/.test(m.text())) && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  watch(page);
  await signIn(page, server.url, token);
  const card = page.getByRole('article', { name: 'hello' });
  await card.getByRole('link', { name: '#1', exact: true }).waitFor({ timeout: 15_000 });
  await card.getByText('healthy').first().waitFor({ timeout: 15_000 });
  await noSidewaysScroll(page, 'Overview');

  // Scenario 2. A mark on the window: it survives client-side navigation, not a reload.
  await page.evaluate('window.__sameDocument = true');
  const sha = hello.commit('Say hello from the dashboard test', { 'greeting.js': "'use strict';\nexports.greeting = () => 'Hello, live!';\n" });
  const runLink = card.getByRole('link', { name: '#2', exact: true });
  await runLink.waitFor({ timeout: 30_000 });
  await runLink.click();
  await page.getByRole('heading', { name: /hello · run #2/ }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/projects/hello/runs/2');
  await page.getByText(sha.slice(0, 12), { exact: true }).waitFor();
  const stages = page.getByRole('list', { name: 'Stages' });
  await stages.getByText('deploy:production').waitFor({ timeout: 30_000 });
  // The run's state in the heading turns green as the stream says so.
  await page.getByRole('heading', { name: /hello · run #2 succeeded/ }).waitFor({ timeout: 90_000 });
  assert.ok((await stages.locator('.stage').count()) >= 5, 'the whole graph is drawn');
  assert.equal(await stages.locator('.stage:not([data-state="succeeded"]):not([data-state="skipped"])').count(), 0, 'every stage succeeded');
  // The step log streamed in: the unit test's output is there.
  await page.locator('.log').getByText(/pass 1/).first().waitFor({ timeout: 15_000 });
  assert.equal(await page.evaluate('window.__sameDocument'), true, 'no reload');
  assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0, 'an ended run has no buttons');
  await noSidewaysScroll(page, 'the run page');
  // Back on the Overview the live release is the new commit, with its message.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await card.getByText('Say hello from the dashboard test').first().waitFor({ timeout: 15_000 });

  // A lost stream: the server crashes; the page says so, and once the server is back it
  // resumes (the cursor is of the old process: a reset, and the page re-reads). The next part
  // sees a new project appear through the resumed stream.
  outage = true;
  await server.kill9();
  const banner = page.getByRole('status').filter({ hasText: 'reconnecting' });
  await banner.waitFor({ timeout: 15_000 });
  await server.launch();
  await banner.waitFor({ state: 'detached', timeout: 30_000 });
  outage = false;

  // Scenario 3: a gated project waits at approval:production.
  assert.equal((await server.cli(['project', 'add', 'gated', '--repo', gated.dir])).code, 0);
  const gatedCard = page.getByRole('article', { name: 'gated' });
  await gatedCard.locator('.state-waiting').first().waitFor({ timeout: 90_000 });
  const viewer = (await server.json<{ token: string }>(['token', 'create', 'watcher', '--role', 'viewer'])).token;
  const viewerContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const viewerPage = await viewerContext.newPage();
  watch(viewerPage);
  await signIn(viewerPage, server.url, viewer);
  await viewerPage.goto(`${server.url}/projects/gated/runs/1`);
  await viewerPage.getByRole('heading', { name: /gated · run #1 waiting/ }).waitFor({ timeout: 15_000 });
  assert.equal(await viewerPage.getByRole('button').filter({ hasText: /Approve|Reject|Cancel/ }).count(), 0, 'a viewer sees no mutating control');

  // The admin, keyboard only: to the run from the Overview, then Approve.
  const gatedLink = gatedCard.getByRole('link', { name: '#1', exact: true });
  await gatedLink.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /gated · run #1 waiting/ }).waitFor({ timeout: 15_000 });
  await page.locator('.stage[data-state="waiting"]').getByText('approval:production').waitFor();
  await page.getByLabel('Reason (for a reject or cancel)').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Approve', 'Tab from the reason reaches Approve');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /gated · run #1 succeeded/ }).waitFor({ timeout: 90_000 });
  const done = await server.api<{ approvedBy?: string; state: string }>('GET', '/api/runs/gated%231');
  assert.equal(done.body.state, 'succeeded');
  assert.equal(done.body.approvedBy, 'admin');
  // The viewer's page followed along, live.
  await viewerPage.getByRole('heading', { name: /gated · run #1 succeeded/ }).waitFor({ timeout: 15_000 });
  await viewerContext.close();

  // A broken sluice.yaml: the run fails at checkout and its page shows each problem with its line
  // and column, as `sluice validate` prints them.
  hello.commit('Break the pipeline file', { 'sluice.yaml': exampleFiles(false)['sluice.yaml']!.replace('instances: 1', 'instances: 1\n    bogus: true') });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  const brokenLink = card.getByRole('link', { name: '#3', exact: true });
  await brokenLink.waitFor({ timeout: 30_000 });
  await brokenLink.click();
  await page.getByRole('heading', { name: /hello · run #3 failed/ }).waitFor({ timeout: 60_000 });
  const located = page.locator('.log').getByText(/^sluice\.yaml:\d+:\d+: .*bogus/).first();
  await located.waitFor({ timeout: 15_000 });
  const shown = (await located.textContent()) ?? '';
  const validated = await server.cli(['validate', path.join(hello.dir, 'sluice.yaml')]);
  assert.equal(validated.code, 1);
  assert.ok(validated.stderr.includes(shown.trim()) || validated.stdout.includes(shown.trim()), `the page shows what validate prints: ${shown} / ${validated.stderr}`);
  await noSidewaysScroll(page, 'a failed run page');

  assert.deepEqual(problems, []);
});
