// Every dashboard page (test/e2e/dashboard-kit.ts lists them) in a real browser at 360 px and at
// desktop width: axe-core finds no serious or critical violation, no console error, no sideways
// scrolling at 360 px. Then keyboard only: the skip link moves focus to the content, focus is
// visible, and a secret is revealed by keyboard, which the audit log then shows. A value set twice
// from the page shows its versions, an older one revealed (audited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { chromiumPath, dashboardPages, signInWithToken, startSample, urlOf, visit } from './dashboard-kit.ts';

const widths = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated by the driver, which the page's CSP does not restrict); serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((r) => r.violations)');
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Tabs until the focused element matches, at most `max` times. */
async function tabTo(page: Page, accessibleName: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate<string>("(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').trim()");
    if (name === accessibleName) return;
  }
  assert.fail(`"${accessibleName}" not reached with ${max} presses of Tab`);
}

void test('every dashboard page: no serious or critical axe violation, no console error, at 360 px and on a desktop; keyboard only', { skip: fs.existsSync(chromiumPath) ? false : `no browser at ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const sample = await startSample();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  t.after(async () => {
    await browser.close();
    await sample.close();
  });
  const base = sample.server.url;

  for (const size of widths) {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${size.name} console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${size.name} page error: ${e.message}`));
    await signInWithToken(page, base, sample.token);
    for (const p of dashboardPages) {
      await visit(page, base, p);
      const found = await seriousViolations(page);
      assert.deepEqual(found, [], `${urlOf(p)} at ${size.width} px`);
      if (size.width === 360) assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360, `${urlOf(p)}: no sideways scrolling at 360 px`);
    }
    assert.deepEqual(problems, [], `console errors at ${size.name} width`);
    await context.close();
  }

  // Keyboard only: the skip link is the first stop and moves focus to the content; focus is visible.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signInWithToken(page, base, sample.token);
  const secrets = dashboardPages.find((p) => p.heading === 'Secrets')!;
  await visit(page, base, secrets);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()'), 'Skip to content');
  assert.notEqual(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate<string | undefined>('document.activeElement?.id'), 'main', 'the skip link moves focus to the content');

  // Reveal a value by keyboard: shown, and the read is in the audit log.
  await tabTo(page, 'Reveal DATABASE_URL (audited)');
  assert.notEqual(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'none', 'focus is visible on buttons');
  await page.keyboard.press('Enter');
  await page.getByLabel('value of DATABASE_URL').filter({ hasText: 'postgres://shop:s3cret@db.internal/shop' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()'), 'Hide', 'focus moves to Hide');
  await page.keyboard.press('Enter');
  await page.getByText('postgres://shop:s3cret@db.internal/shop').waitFor({ state: 'detached', timeout: 5_000 }); // hidden again
  // A viewer may not reveal: refused naming the role, and the refusal is in the audit log too.
  const refused = await fetch(`${base}/api/secrets/shop-config/DATABASE_URL`, { headers: { authorization: `Bearer ${sample.viewerToken}` } });
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { details?: { needed?: string } }).details?.needed, 'admin');

  // A value set twice from the form: the key's versions appear at its own URL, newest first and
  // without values; an older one is revealed (audited) by an admin; axe still finds nothing.
  const setForm = page.getByRole('form', { name: 'Set a value' });
  const versions = page.getByRole('region', { name: 'Versions of NEW_TOKEN' });
  for (const [n, value] of ['first-token-value', 'second-token-value'].entries()) {
    await setForm.getByLabel('Key', { exact: true }).fill('NEW_TOKEN');
    await setForm.getByLabel('Value', { exact: true }).fill(value);
    await setForm.getByRole('button', { name: 'Set value' }).click();
    await setForm.getByRole('status').filter({ hasText: `shop-config/NEW_TOKEN is now version ${n + 1}.` }).waitFor({ timeout: 10_000 });
    await versions.getByRole('row').filter({ hasText: `v${n + 1}` }).waitFor({ timeout: 10_000 });
  }
  assert.equal(new URL(page.url()).search, '?group=shop-config&key=NEW_TOKEN', 'the versions have a URL to share');
  const shown = async (): Promise<string[]> => (await versions.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t').slice(0, 3).join(' ').trim());
  assert.deepEqual(await shown(), ['v2 (current) set admin', 'v1 set admin']);
  assert.ok(!(await page.content()).includes('-token-value'), 'no value on the page before a reveal');
  await page.goto(page.url()); // the shared URL, opened afresh
  await versions.getByRole('row').nth(2).waitFor({ timeout: 10_000 });
  assert.deepEqual(await shown(), ['v2 (current) set admin', 'v1 set admin']);
  await versions.getByRole('button', { name: 'Reveal NEW_TOKEN version 1 (audited)' }).click();
  await versions.getByLabel('value of NEW_TOKEN version 1').filter({ hasText: 'first-token-value' }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await seriousViolations(page), [], 'the versions of a key, a value revealed');
  await versions.getByRole('button', { name: 'Hide' }).click();
  await page.getByText('first-token-value').waitFor({ state: 'detached', timeout: 5_000 });

  await visit(page, base, dashboardPages.find((p) => p.heading === 'Audit log')!);
  const row = page.getByRole('row').filter({ hasText: 'secret.read' }).filter({ hasText: 'shop-config/DATABASE_URL@1' });
  assert.equal(await row.count(), 1, 'the reveal is in the audit log');
  assert.equal(await page.getByRole('row').filter({ hasText: 'secret.read' }).filter({ hasText: 'shop-config/NEW_TOKEN@1' }).count(), 1, 'the reveal of version 1 is in the audit log');
  const deniedRow = page.getByRole('row').filter({ hasText: 'secret.read' }).filter({ hasText: 'dashboard-viewer' });
  assert.match((await deniedRow.textContent()) ?? '', /denied\s*403/);
  await page.getByRole('status').filter({ hasText: 'Chain verified' }).waitFor({ timeout: 5_000 });
  await context.close();
});
