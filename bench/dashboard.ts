// bench/dashboard: issue 15's two figures, in Debian's chromium (playwright-core) on loopback.
//  1. The Overview with 50 projects, each deployed (one environment, a busybox httpd instance,
//     a release and a run): from navigation start (performance.now() = 0) to the app's shell
//     heading (the baseline: the page and its JavaScript alone), to all 50 project headings
//     shown, and to all 50 filled in (GET /api/overview read: environments, releases, runs,
//     traffic), each taken in the animation frame after the DOM change (a MutationObserver
//     installed before the page's scripts). --reps N loads (7). Beside it, from Node: that one
//     read, and the 1 + 3 per project reads the page made before it.
//  2. A step prints `tick N <Date.now()>` every 20 ms; the run page follows its log (SSE) and a
//     MutationObserver takes the browser's clock as each line is added to the page (one machine,
//     one clock): write → shown. Beside it, in the same run, a plain SSE client of the same
//     follow (Node, no browser): what the browser adds.
// Runs the compiled dist/ (npm run build first). Writes bench/RESULTS-dashboard.md.
import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'undici';
import { TestRepo, TestServer, adminTokenOf, authHeaders } from '../test/e2e/harness.ts';
import { openSse } from '../test/api/sse-client.ts';
import { chromiumPath, signInWithToken } from '../test/e2e/browser-kit.ts';
import { benchMain, machine, median, prependResults, quantile, waitRunOf } from './bench-kit.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const PROJECTS = Number(arg('--projects', '50'));
const REPS = Number(arg('--reps', '7'));
const TICKS = Number(arg('--ticks', '400'));
const repoRoot = path.join(import.meta.dirname, '..');

const servicePipeline = `build:
  - run: "true"
services:
  web:
    start: exec busybox httpd -f -p 127.0.0.1:$PORT -h .
    health: /index.html
environments:
  production:
    bake: 0
`;
const tickPipeline = (ticks: number): string => `build:
  - name: ticks
    run: node -e "let n=0;const t=setInterval(()=>{console.log('tick '+(n++)+' '+Date.now());if(n>=${ticks})clearInterval(t)},20)"
`;

/**
 * Installed before every document's scripts: the first performance.now() (ms since navigation
 * start) at which the shell heading, all project headings and all filled-in projects are in the
 * DOM, taken in the animation frame after the mutation (the frame that paints it).
 */
const markOverview = (projects: number): string => `(() => {
  const marks = (window.__marks = {});
  const at = (name) => {
    if (marks[name] !== undefined) return;
    marks[name] = -1;
    requestAnimationFrame(() => (marks[name] = performance.now()));
  };
  new MutationObserver(() => {
    if (document.querySelector('#overview-title')) at('shell');
    if (document.querySelectorAll('article.project h2').length === ${projects}) at('headings');
    if (document.querySelectorAll('article.project[data-loaded]').length === ${projects}) at('filled');
  }).observe(document, { childList: true, subtree: true, attributes: true });
})()`;

const f = (x: number): string => `${Math.round(x)} ms`;

await benchMain('dashboard', 900_000, async (onCleanup) => {
  if (!fs.existsSync(chromiumPath)) throw new Error(`no browser at ${chromiumPath}`);
  const { chromium } = await import('playwright-core');
  const before = machine();
  console.log(`dashboard · ${before}`);
  // Polling 50 repositories every second would be most of the load; runs are triggered instead.
  const server = await TestServer.start(['--poll-interval', '60s', '--max-runs', '4']);
  onCleanup(() => server.close());
  const repos: TestRepo[] = [];
  onCleanup(() => repos.forEach((r) => r.remove()));
  const started = Date.now();
  for (let i = 0; i < PROJECTS; i++) {
    const repo = new TestRepo({ 'sluice.yaml': servicePipeline, 'index.html': `project ${i}\n` });
    repos.push(repo);
    const name = `p${String(i).padStart(2, '0')}`;
    const added = await server.api('POST', '/api/projects', { name, repo: repo.dir });
    if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
    await server.api('POST', `/api/projects/${name}/trigger`, {});
  }
  for (let i = 0; i < PROJECTS; i++) {
    const run = await waitRunOf(server, `p${String(i).padStart(2, '0')}`, repos[i]!.head(), 300_000);
    if (run.state !== 'succeeded') throw new Error(`p${i}: run ${run.state} ${JSON.stringify(run)}`);
  }
  console.log(`${PROJECTS} projects deployed in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  onCleanup(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await signInWithToken(page, server.url, adminTokenOf(server.url)!, 30_000);

  // 1. The Overview. The first load warms the browser's cache of the assets, as a returning user has it.
  const shell: number[] = [];
  const headings: number[] = [];
  const filled: number[] = [];
  await page.addInitScript(markOverview(PROJECTS));
  for (let rep = 0; rep <= REPS; rep++) {
    await page.goto(`${server.url}/`);
    // A function, not a string: the page's CSP refuses eval.
    await page.waitForFunction(() => ((globalThis as unknown as { __marks: Record<string, number> }).__marks.filled ?? 0) > 0, undefined, { timeout: 30_000 });
    const marks = await page.evaluate<Record<string, number>>('window.__marks');
    if (rep === 0) continue;
    shell.push(marks.shell!);
    headings.push(marks.headings!);
    filled.push(marks.filled!);
  }
  // Beside it: the same API reads from Node over 6 connections (as the browser has per host), no page.
  const apiOnly: number[] = [];
  const pool = new Pool(server.url, { connections: 6 });
  onCleanup(() => pool.close());
  const headers = authHeaders(server.url);
  const get = async (p: string): Promise<void> => {
    const res = await pool.request({ path: p, method: 'GET', headers });
    await res.body.text();
  };
  for (let rep = 0; rep <= REPS; rep++) {
    const t0 = performance.now();
    await get('/api/projects');
    const names = Array.from({ length: PROJECTS }, (_, i) => `p${String(i).padStart(2, '0')}`);
    await Promise.all(names.flatMap((n) => [get(`/api/projects/${n}/status`), get(`/api/projects/${n}/runs?limit=10`), get(`/api/projects/${n}/traffic`)]));
    if (rep > 0) apiOnly.push(performance.now() - t0);
  }
  // What the page reads now, one GET /api/overview: right after them, same server and load.
  const overviewOnly: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    const t0 = performance.now();
    await get('/api/overview');
    if (rep > 0) overviewOnly.push(performance.now() - t0);
  }
  const oneStatus: number[] = [];
  for (let rep = 0; rep < 20; rep++) {
    const t0 = performance.now();
    await get('/api/projects/p00/status');
    oneStatus.push(performance.now() - t0);
  }
  const oneRuns: number[] = [];
  for (let rep = 0; rep < 20; rep++) {
    const t0 = performance.now();
    await get('/api/projects/p00/runs?limit=10');
    oneRuns.push(performance.now() - t0);
  }
  const rows = await page.locator('table.envs tbody tr').count();
  console.log(`overview: shell ${f(median(shell))}, ${PROJECTS} headings ${f(median(headings))}, all filled ${f(median(filled))} (${rows} environment rows); from Node: /api/overview ${f(median(overviewOnly))}, ${1 + 3 * PROJECTS} reads ${f(median(apiOnly))}`);

  // 2. A step's lines into the browser.
  const ticker = new TestRepo({ 'sluice.yaml': tickPipeline(TICKS) });
  repos.push(ticker);
  await server.api('POST', '/api/projects', { name: 'ticker', repo: ticker.dir });
  const triggered = await server.api<{ id: string }>('POST', '/api/projects/ticker/trigger', {});
  const runId = triggered.body.id;
  const plain = openSse(`${server.url}/api/runs/${runId}/logs?follow=1`, authHeaders(server.url));
  onCleanup(() => plain.cut());
  const plainLatency: Array<[number, number]> = [];
  const seenPlain = new Set<number>();
  await page.goto(`${server.url}/runs/${runId}`);
  await page.locator('pre.log').waitFor({ timeout: 30_000 });
  await page.evaluate(`(() => {
    window.__lat = [];
    const seen = new Set();
    new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records) for (const n of r.addedNodes) {
        const m = /^tick (\\d+) (\\d+)$/.exec(n.textContent || '');
        if (m && !seen.has(m[1])) { seen.add(m[1]); window.__lat.push([Number(m[1]), now - Number(m[2])]); }
      }
    }).observe(document.querySelector('pre.log'), { childList: true, subtree: true });
  })()`);
  const deadline = Date.now() + TICKS * 20 * 4 + 60_000;
  let read = 0;
  while (seenPlain.size < TICKS) {
    if (Date.now() > deadline) throw new Error(`only ${seenPlain.size} of ${TICKS} lines followed in time`);
    await plain.until((events) => events.length > read || events.some((e) => e.event === 'end'), 20_000);
    const now = Date.now();
    for (const e of plain.events.slice(read)) {
      const m = e.event === 'line' ? /^tick (\d+) (\d+)$/.exec((e.data as { line: string }).line) : null;
      if (m && !seenPlain.has(Number(m[1]))) {
        seenPlain.add(Number(m[1]));
        plainLatency.push([Number(m[1]), now - Number(m[2])]);
      }
    }
    read = plain.events.length;
    if (plain.events.some((e) => e.event === 'end')) break;
  }
  await page.waitForFunction((n) => (globalThis as unknown as { __lat: unknown[] }).__lat.length >= n, Math.floor(TICKS * 0.9), { timeout: 30_000 }).catch(() => undefined);
  const browserPairs = await page.evaluate<Array<[number, number]>>('window.__lat');
  // Steady state only: the first second is the step's start and the page's first read.
  const steady = (pairs: Array<[number, number]>): number[] => pairs.filter(([n]) => n >= 50).map(([, ms]) => ms).sort((a, b) => a - b);
  const inBrowser = steady(browserPairs);
  const inNode = steady(plainLatency);
  const after = machine();
  const q = (xs: number[], p: number): string => f(quantile(xs, p));
  const lines = [
    `before: ${before}`,
    `after: ${after}`,
    `setup: ${PROJECTS} projects, each deployed to production (one busybox httpd instance, one release, one run), the server from dist/ as the e2e harness starts it (--sandbox bwrap, --poll-interval 60s, --max-runs 4); chromium ${browser.version()} headless, 1280×900, signed in with the admin token; the load average during the run is in the lines above`,
    `Overview, navigation start → (median of ${REPS} loads after a warm-up; min-max): shell heading **${f(median(shell))}** (${f(Math.min(...shell))}-${f(Math.max(...shell))}); all ${PROJECTS} project headings **${f(median(headings))}** (${f(Math.min(...headings))}-${f(Math.max(...headings))}); all ${PROJECTS} filled in (environments, releases, runs, traffic) **${f(median(filled))}** (${f(Math.min(...filled))}-${f(Math.max(...filled))}); ${rows} environment rows. Target: < 500 ms`,
    `beside it, from Node, no browser: the page's one \`GET /api/overview\` median **${f(median(overviewOnly))}** (${f(Math.min(...overviewOnly))}-${f(Math.max(...overviewOnly))}); the ${1 + 3 * PROJECTS} per-project API reads the page made before (projects, then status, runs, traffic of each) over 6 connections median **${f(median(apiOnly))}** (${f(Math.min(...apiOnly))}-${f(Math.max(...apiOnly))}); one \`/status\` alone ${median(oneStatus).toFixed(1)} ms, one \`/runs?limit=10\` alone ${median(oneRuns).toFixed(1)} ms (medians of 20)`,
    `step line written → shown in the run page (browser clock at the DOM insert), ${inBrowser.length} lines at one every 20 ms: p50 **${q(inBrowser, 0.5)}**, p95 **${q(inBrowser, 0.95)}**, p99 ${q(inBrowser, 0.99)}, max ${f(inBrowser.at(-1) ?? NaN)}. Beside it, a Node SSE client of the same follow: p50 ${q(inNode, 0.5)}, p95 ${q(inNode, 0.95)}, p99 ${q(inNode, 0.99)}. Target: p95 < 200 ms`,
    `console errors in the browser: ${errors.length === 0 ? 'none' : errors.join(' | ')}`,
  ];
  for (const l of lines) console.log(l);
  prependResults(path.join(repoRoot, 'bench/RESULTS-dashboard.md'), `# bench/dashboard, ${new Date().toISOString()}\n\n\`bench/dashboard [--projects 50] [--reps 7] [--ticks 400]\` (see bench/dashboard.ts)\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
});
