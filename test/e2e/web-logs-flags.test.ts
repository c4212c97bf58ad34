// The dashboard's Logs and Flags pages in a real browser (Debian's chromium, playwright-core),
// at 360 px wide and by keyboard, against a deployed app that evaluates a flag over OFREP and
// prints what it is asked to:
// - scenario 6, toggle a flag: "Turn on" and the app's OFREP answer is true when the page says
//   so; a bad percentage shows the API's message beside the field; revert from the history; a
//   guarded rollout started (bad steps refused beside the field), then aborted; a viewer sees no
//   mutating control;
// - scenario 7, search logs and follow a line to its run: scope and text chosen in the form, the
//   URL holds the search, a bad time bound is refused beside its field, the deploy line links to
//   the run that deployed it;
// - the live tail: the server killed while the page follows, a banner, lines written meanwhile,
//   the server started again: the tail resumes (Last-Event-ID) with every line exactly once.
// No console errors, except the refusals the test asks for and the browser's own reports of the
// connection refused while the server is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { viaRouter } from './harness.ts';
import { deployedProject, pipeline, prodHost } from './fixtures.ts';

const chromiumPath = '/usr/bin/chromium';
const wait = { timeout: 20_000 };

/** `/flag`: dark-mode evaluated over OFREP as the instance sees it; `/say/TEXT`: prints TEXT. */
const app = `const http = require('node:http');
const s = http.createServer(async (req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url.startsWith('/say/')) { console.log(decodeURIComponent(req.url.slice(5))); return res.end('said'); }
  if (req.url === '/flag') {
    try {
      const r = await fetch(process.env.SLUICE_FLAGS_URL + '/ofrep/v1/evaluate/flags/dark-mode', { method: 'POST', headers: { authorization: 'Bearer ' + process.env.SLUICE_FLAGS_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify({ context: { targetingKey: 'u1' } }) });
      return res.end(r.status + ' ' + JSON.stringify((await r.json()).value));
    } catch (e) { res.statusCode = 500; return res.end(String(e)); }
  }
  res.end('v1');
});
s.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); });
`;

const flagsFile = `flags:
  dark-mode:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: off
`;

interface Watched {
  page: Page;
  problems: string[];
  /** Refusals (4xx) the test provokes: each allows one console report of it. */
  allow(count: number): void;
  /** While true, the browser's reports of a refused connection are expected (the server is down). */
  outage: boolean;
}

async function watchedPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  let allowed = 0;
  const w: Watched = { page, problems: [], allow: (n) => void (allowed += n), outage: false };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (allowed > 0 && /status of 400/.test(m.text())) return void allowed--;
    // The browser reports each refused reconnection (and an answer that is not a stream yet).
    if (w.outage && /net::ERR_|EventSource's response has a MIME type/.test(m.text())) return;
    w.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
  return w;
}

async function signIn(page: Page, server: string, token: string, next: string): Promise<void> {
  await page.goto(`${server}${next}`);
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname !== '/sign-in', wait);
}

/** Focuses a control and presses a key on it: the test drives the controls by keyboard only. */
async function press(page: Page, control: Locator, key = 'Enter'): Promise<void> {
  await control.focus();
  await page.keyboard.press(key);
}

/** Replaces a text field's value by typing. */
async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await field.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
}

async function noSidewaysScroll(page: Page, where: string): Promise<void> {
  assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 360, `no horizontal scroll at 360 px (${where})`);
}

void test('Logs and Flags in a browser: toggle a flag (OFREP follows), search logs and follow a line to its run, a live tail that survives a lost connection', { skip: fs.existsSync(chromiumPath) ? false : `no browser at ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const files = { 'sluice.yaml': `${pipeline({ start: 'node server.js' })}flags: flags.yaml\n`, 'flags.yaml': flagsFile, 'server.js': app, VERSION: 'v1\n' };
  const { server, first } = await deployedProject(t, 'shop', files);
  const host = prodHost('shop');
  const flag = async (): Promise<string> => (await viaRouter(server.routerPort, host, '/flag')).body;
  const say = async (text: string): Promise<void> => assert.equal((await viaRouter(server.routerPort, host, `/say/${text}`)).body, 'said');
  assert.equal(await flag(), '200 false', 'the deployed flag file: off');

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  // Closed after the server (hooks run in order): the server must end the page's streams to stop.
  t.after(() => browser.close());
  const admin = await watchedPage(browser);
  const { page } = admin;
  const flagPath = '/projects/shop/environments/production/flags/dark-mode';

  // --- Scenario 6: toggle a flag.
  await signIn(page, server.url, server.token()!, '/flags');
  await press(page, page.getByRole('link', { name: 'production' }));
  await page.getByRole('heading', { name: 'Flags of shop / production' }).waitFor(wait);
  await page.getByRole('row').filter({ hasText: 'dark-mode' }).getByText('off', { exact: true }).waitFor(wait);
  await press(page, page.getByRole('link', { name: 'dark-mode' }));
  await page.getByRole('heading', { name: 'Flag dark-mode' }).waitFor(wait);
  assert.equal(new URL(page.url()).pathname, flagPath);

  await press(page, page.getByRole('button', { name: 'Turn on' }));
  await page.getByRole('status').filter({ hasText: /^Turned on: version \d+, served now\.$/ }).waitFor(wait);
  assert.equal(await flag(), '200 true', 'the app evaluates on once the page says it is served');
  await page.getByTestId('served').filter({ hasText: /^on$/ }).waitFor(wait);
  await noSidewaysScroll(page, 'flag');

  // Bad input: the API's message beside the field it is about.
  admin.allow(1);
  const percent = page.getByLabel('Percent of users');
  await typeInto(page, percent, '150');
  await page.keyboard.press('Enter');
  const percentError = page.getByText('--percent 150: expected a number from 0 to 100');
  await percentError.waitFor(wait);
  assert.equal(await percent.getAttribute('aria-invalid'), 'true');
  assert.equal(await percent.getAttribute('aria-describedby'), await percentError.getAttribute('id'));
  assert.equal(await flag(), '200 true', 'nothing changed');

  // History: the change is there; back to the deployed definition.
  const history = page.getByRole('region', { name: 'History' });
  await history.getByRole('cell').filter({ hasText: /^set: --on$/ }).waitFor(wait);
  const revert = history.getByRole('button', { name: /^Revert to version \d+$/ }).last();
  const to = Number(/\d+$/.exec((await revert.textContent()) ?? '')![0]);
  await press(page, revert);
  await history.getByRole('status').filter({ hasText: `Back to version ${to}` }).waitFor(wait);
  assert.equal(await flag(), '200 false', 'reverted: off again');

  // A guarded rollout: bad steps refused beside the field; started; aborted.
  const rollout = page.getByRole('region', { name: 'Guarded rollout' });
  admin.allow(1);
  await typeInto(page, rollout.getByLabel('Steps (%)'), '50,20');
  await typeInto(page, rollout.getByLabel('Pause at each step'), '1h');
  await page.keyboard.press('Enter');
  await rollout.getByText('--steps 50,20: steps must increase (50 then 20)').waitFor(wait);
  assert.equal(await rollout.getByLabel('Steps (%)').getAttribute('aria-invalid'), 'true');
  await typeInto(page, rollout.getByLabel('Steps (%)'), '50,100');
  await page.keyboard.press('Enter');
  await rollout.getByText('Rolling out').waitFor(wait);
  assert.deepEqual(await rollout.getByRole('list', { name: 'Steps' }).getByRole('listitem').allInnerTexts(), ['50%', '100%']);
  await press(page, rollout.getByRole('button', { name: 'Abort rollout' }));
  await rollout.getByText('Last rollout:').waitFor({ timeout: 30_000 });
  await rollout.getByText('aborted', { exact: true }).waitFor(wait);
  await server.waitFor('the flag served as before the rollout', async () => (await flag()) === '200 false');

  // A viewer: the same page without a single mutating control.
  const viewerToken = (await server.json<{ token: string }>(['token', 'create', 'watcher', '--role', 'viewer'])).token;
  const viewer = await watchedPage(browser);
  await signIn(viewer.page, server.url, viewerToken, flagPath);
  await viewer.page.getByRole('heading', { name: 'History' }).waitFor(wait);
  await viewer.page.getByText('Last rollout:').waitFor(wait);
  assert.deepEqual(await viewer.page.getByRole('button').allInnerTexts(), ['Sign out'], 'a viewer sees no button but Sign out');
  assert.equal(await viewer.page.getByRole('textbox').count(), 0, 'and no field');
  await viewer.page.context().close(); // it would keep reading while the server is down below

  // --- Scenario 7: search logs and follow a line to its run.
  await press(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }));
  await page.getByRole('heading', { name: 'Logs' }).waitFor(wait);
  // The choices come from the API (Preact sets an option's value as a property: match its text).
  await page.locator('select[name=project] option', { hasText: /^shop$/ }).waitFor({ state: 'attached', ...wait });
  await page.getByLabel('Project').focus();
  await page.keyboard.type('shop');
  await page.locator('select[name=env] option', { hasText: /^production$/ }).waitFor({ state: 'attached', ...wait });
  await page.getByLabel('Environment').focus();
  await page.keyboard.type('production');
  await typeInto(page, page.getByLabel('Text'), '"deploying release"');
  await page.keyboard.press('Enter');
  const lines = page.getByRole('list', { name: /^Log lines/ }).getByRole('listitem');
  const deployLine = lines.filter({ hasText: 'deploying release 1' });
  await deployLine.waitFor(wait);
  const url = new URL(page.url());
  assert.deepEqual([url.pathname, url.searchParams.get('project'), url.searchParams.get('env'), url.searchParams.get('q')], ['/logs', 'shop', 'production', '"deploying release"'], 'the search is in the URL');
  await noSidewaysScroll(page, 'logs');

  // Bad input: refused beside the field, with the API's message.
  admin.allow(1);
  await typeInto(page, page.getByLabel('Since'), 'yesterday');
  await page.keyboard.press('Enter');
  const sinceError = page.getByText('since: "yesterday" is neither an ISO time');
  await sinceError.waitFor(wait);
  assert.equal(await page.getByLabel('Since').getAttribute('aria-describedby'), await sinceError.getAttribute('id'));
  await page.goBack();
  await deployLine.waitFor(wait);

  await press(page, deployLine.getByRole('link', { name: /^run / }));
  await page.waitForURL((u) => u.pathname === `/runs/${first.id}`, wait);
  await page.getByRole('heading', { name: `shop · run #${first.number}` }).waitFor(wait);
  await page.goBack();
  await deployLine.waitFor(wait);
  // The release link: the environment page, scrolled to that release and marking it.
  await press(page, deployLine.getByRole('link', { name: 'release 1' }));
  await page.waitForURL((u) => u.pathname === '/projects/shop/environments/production' && u.searchParams.get('release') === '1', wait);
  const marked = page.locator('li.release[aria-current="true"]');
  await marked.getByRole('heading', { name: 'Release 1' }).waitFor(wait);
  assert.equal(await marked.count(), 1, 'one release is marked');
  const inView = await page.evaluate<boolean>(`(() => { const r = document.querySelector('li.release[aria-current="true"]').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()`);
  assert.ok(inView, 'the release is scrolled into view');
  await page.goBack();
  await deployLine.waitFor(wait);

  // --- The live tail survives a lost connection without losing or repeating a line.
  await typeInto(page, page.getByLabel('Text'), 'tailmark');
  await press(page, page.getByRole('button', { name: 'Follow live' }));
  await page.getByRole('status').filter({ hasText: 'Following live.' }).waitFor(wait);
  assert.equal(new URL(page.url()).searchParams.get('follow'), '1');
  await say('tailmark-1');
  await lines.filter({ hasText: 'tailmark-1' }).waitFor(wait);

  admin.outage = true;
  await server.kill9();
  await page.getByRole('alert').filter({ hasText: 'lost its connection' }).waitFor(wait);
  await say('tailmark-2');
  await say('tailmark-3');
  await server.launch();
  await lines.filter({ hasText: 'tailmark-3' }).waitFor({ timeout: 60_000 });
  await page.getByRole('status').filter({ hasText: 'Following live.' }).waitFor(wait);
  assert.equal(await page.getByRole('alert').filter({ hasText: 'lost its connection' }).count(), 0, 'the banner went with the outage');
  admin.outage = false;
  await say('tailmark-4');
  await lines.filter({ hasText: 'tailmark-4' }).waitFor(wait);
  const texts = (await lines.locator('.log-text').allInnerTexts()).filter((l) => l.startsWith('tailmark-'));
  assert.deepEqual(texts, ['tailmark-1', 'tailmark-2', 'tailmark-3', 'tailmark-4'], 'every line once, in order');
  await noSidewaysScroll(page, 'live tail');

  assert.deepEqual([...admin.problems, ...viewer.problems], []);
});
