// The environment page in a real browser (Debian's chromium, playwright-core), at 360 px and by
// keyboard alone, with no console errors:
// - scenario 4, roll back from the environment page: the releases show what changed (commit
//   range, configuration, secret versions); a rollback to release 1 after a confirmation makes
//   release 3 live with v1's commit, seen through the API and the router; a viewer sees no button.
// - scenario 5, abort a canary that is in progress: a canary held at a manual pause with its
//   analysis running shows its weights and decisions (chart and table); Abort, confirmed, puts all
//   traffic back on v1 and fails the run, seen through the CLI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { TestRepo, TestServer, adminTokenOf, type RunJson } from './harness.ts';
import { appJs, envStatus, prodBody } from './fixtures.ts';
import { bodies, rollout, rolloutFiles, waitRollout } from './rollout-kit.ts';
import { setSecret, grantSecrets } from './secrets-kit.ts';

const chromiumPath = '/usr/bin/chromium';
const canary = ['canary:', '  steps: [{ weight: 20, pause: {} }, { weight: 60, pause: {} }]', '  analysis: { maxErrorRate: 5%, minSamples: 5, interval: 1s }'].join('\n');

function configFiles(version: string, plain: string): Record<string, string> {
  const spec = ['build:', '  - run: echo building', 'services:', '  web: { start: node server.js, health: /healthz }', 'environments:', '  production:', '    secrets: [cfg]', `    env: {"PLAIN": "${plain}"}`, '    bake: 0', ''].join('\n');
  return { 'sluice.yaml': spec, 'server.js': appJs, VERSION: `${version}\n` };
}

/** A project added to the shared server; its first run (v1) must succeed. */
async function addProject(t: TestContext, server: TestServer, name: string, files: Record<string, string>): Promise<{ repo: TestRepo; first: RunJson }> {
  const repo = new TestRepo(files);
  t.after(() => repo.remove());
  const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
  assert.equal(added.code, 0, added.stderr);
  const first = await server.waitRun(name, repo.head(), 90_000);
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  return { repo, first };
}

/** Tabs (at most 80 times) until the focused element has this accessible name; proves it is reachable by keyboard. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>("(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').trim()");
    if (focused === name) return;
  }
  assert.fail(`"${name}" was not reached with Tab`);
}

const focusedText = (page: Page): Promise<string> => page.evaluate<string>("(document.activeElement?.textContent ?? '').trim()");

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
}

const noHorizontalScroll = async (page: Page): Promise<void> => assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360, 'no horizontal scroll at 360 px');

void test('the environment page: roll back to a release, abort a canary in progress', { skip: fs.existsSync(chromiumPath) ? false : `no browser at ${chromiumPath} (apt-get install chromium)`, timeout: 240_000 }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = await TestServer.start();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const token = adminTokenOf(server.url)!;
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const watch = (p: Page, who: string): void => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${who} console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  };
  watch(page, 'admin');

  // Two projects at once: a rolling one with a secret group, and a canary held at a pause.
  assert.equal(await setSecret(server, 'cfg', 'API_KEY', 'one'), 1);
  await grantSecrets(server, 'envroll', ['cfg']);
  const [rolling, held] = await Promise.all([addProject(t, server, 'envroll', configFiles('v1', 'a')), addProject(t, server, 'envcanary', rolloutFiles('v1', { strategy: canary }))]);
  assert.equal(await setSecret(server, 'cfg', 'API_KEY', 'two'), 2);
  const sha2 = rolling.repo.commit('v2', configFiles('v2', 'b'));
  const canarySha = held.repo.commit('v2', rolloutFiles('v2', { strategy: canary }));
  const second = await server.waitRun('envroll', sha2, 90_000);
  assert.equal(second.state, 'succeeded', JSON.stringify(second));

  await t.test('scenario 4: roll back from the environment page', async () => {
    const sha1 = rolling.first.commit;
    // The page's URL is shareable: signed out, it goes through sign-in and comes back.
    await signIn(page, `${server.url}/projects/envroll/environments/production`, token);
    await page.getByRole('heading', { name: 'envroll · production' }).waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, '/projects/envroll/environments/production');
    const releases = page.getByRole('region', { name: 'Releases' });
    const release = (n: number) => releases.getByRole('listitem').filter({ has: page.getByRole('heading', { name: `Release ${n}`, exact: true }) });
    const r2 = release(2);
    await r2.waitFor({ timeout: 15_000 });
    const r2Text = await r2.innerText();
    assert.match(r2Text, /live/);
    assert.ok(r2Text.includes(`${sha1.slice(0, 7)}..${sha2.slice(0, 7)}`), `commit range in: ${r2Text}`);
    assert.ok(r2Text.includes('~web.PLAIN'), `configuration change in: ${r2Text}`);
    assert.ok(r2Text.includes('cfg/API_KEY v1 → v2'), `secret version change in: ${r2Text}`);
    await noHorizontalScroll(page);

    // By keyboard: to the rollback button of release 1, open the confirmation, confirm.
    await tabTo(page, 'Roll back to release 1');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Roll back to release 1' });
    await dialog.waitFor({ timeout: 5_000 });
    assert.match(await dialog.innerText(), /Release 2 is live/);
    // Escape cancels: nothing happens.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.equal((await envStatus(server, 'envroll', 'production')).release?.number, 2);
    await page.getByRole('button', { name: 'Roll back to release 1' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ timeout: 5_000 });
    // A destructive change: the focus starts on Cancel; the confirm button is one Shift+Tab away.
    assert.equal(await focusedText(page), 'Cancel');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedText(page), 'Roll back');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Rolled back to release 1: release 3 is live.' }).waitFor({ timeout: 60_000 });
    await release(3).filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });

    // The effect, through the API and the router.
    const status = await envStatus(server, 'envroll', 'production');
    assert.equal(status.release?.number, 3);
    assert.equal(status.release?.commit, sha1);
    const listed = await server.json<Array<{ number: number; commit: string; rolledBackFrom?: number; config: { secretRefs?: Array<{ key: string; version: number }> } }>>(['releases', 'envroll', '--env', 'production']);
    const r3 = listed.find((r) => r.number === 3);
    assert.equal(r3?.commit, sha1);
    assert.deepEqual(r3?.config.secretRefs?.map((r) => [r.key, r.version]), [['API_KEY', 1]], 'the secret version of release 1 came back');
    assert.equal(await prodBody(server, 'envroll'), 'v1');

    // A viewer sees the page and no button that changes anything.
    const viewer = await server.json<{ token: string }>(['token', 'create', 'watcher', '--role', 'viewer']);
    const other = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const look = await other.newPage();
    watch(look, 'viewer');
    await signIn(look, `${server.url}/projects/envroll/environments/production`, viewer.token);
    await look.getByRole('heading', { name: 'Release 3', exact: true }).waitFor({ timeout: 15_000 });
    assert.equal(await look.getByRole('button', { name: /Roll back|Promote|Abort/ }).count(), 0);
    await other.close();
  });

  await t.test('scenario 5: abort a canary that is in progress', async () => {
    const paused = await waitRollout(server, 'envcanary', 'paused at step 1 with decisions', (x) => x.state === 'paused' && x.decisions.length > 0, 90_000);
    assert.equal(paused.weights.canary, 20);
    // Requests the analysis counts (pinned to the canary).
    assert.deepEqual(await bodies(server, 'envcanary', 10, 'canary'), Array.from({ length: 10 }, () => 'v2'));

    // From the Overview's row to the environment page.
    await page.goto(server.url);
    const row = page.getByRole('article', { name: 'envcanary' }).getByRole('link', { name: 'production', exact: true });
    await row.click();
    await page.getByRole('heading', { name: 'envcanary · production' }).waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).pathname, '/projects/envcanary/environments/production');
    await page.getByRole('heading', { name: 'Rollout of release 2' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('rollout-state').innerText(), 'paused');
    assert.match(await page.getByText('Traffic now:').innerText(), /new release 20%/);
    await page.getByRole('img', { name: 'Share of requests on release 2' }).waitFor({ timeout: 5_000 });
    assert.ok((await page.getByRole('img', { name: /maxErrorRate/ }).count()) >= 1, 'a decision chart per metric');
    const table = page.locator('#decisions-table');
    assert.ok((await table.locator('tbody tr').count()) >= 1, 'the decisions in a table');
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['Time', 'Step', 'Metric', 'Verdict', 'Samples (canary / baseline)', 'Statistic', 'p-value', 'Threshold', 'Reason']);
    await noHorizontalScroll(page);

    // By keyboard: Abort, confirmed.
    await tabTo(page, 'Abort the rollout');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Abort the rollout' });
    await dialog.waitFor({ timeout: 5_000 });
    assert.match(await dialog.innerText(), /release 1/);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedText(page), 'Abort');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Abort requested for release 2.' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('rollout-state').filter({ hasText: 'aborted' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('button', { name: /Promote|Abort/ }).count(), 0, 'nothing left to steer');

    // The effect, through the CLI: all traffic back on v1, the run failed by the abort.
    const r = await rollout(server, 'envcanary');
    assert.equal(r.state, 'aborted');
    assert.deepEqual(r.weights, { stable: 100, canary: 0, baseline: 0 });
    assert.match(r.reason ?? '', /abort/);
    // The newest decisions first; every one of them behind "Show all".
    const shown = Math.min(r.decisions.length, 12);
    assert.equal(await table.locator('tbody tr').count(), shown);
    if (r.decisions.length > shown) await page.getByRole('button', { name: `Show all ${r.decisions.length} decisions` }).click();
    assert.equal(await table.locator('tbody tr').count(), r.decisions.length, 'every decision is in the table');
    const run = await server.waitRun('envcanary', canarySha, 60_000);
    assert.equal(run.state, 'failed');
    assert.match(run.reason ?? '', /abort/);
    assert.equal((await envStatus(server, 'envcanary', 'production')).release?.commit, held.first.commit);
    assert.deepEqual(await bodies(server, 'envcanary', 5), Array.from({ length: 5 }, () => 'v1'));
  });

  assert.deepEqual(problems, []);
});
