// `npm run screenshots`: the dashboard's main pages as PNGs in docs/screenshots/ (the README shows
// them). A server with the sample project deployed (test/e2e/dashboard-kit.ts), signed in with its
// admin token, in Debian's chromium through playwright-core; desktop pages and the Overview at 360 px.
import fs from 'node:fs';
import path from 'node:path';
import { chromiumPath, dashboardPages, signInWithToken, startSample, visit, type DashboardPage } from '../test/e2e/dashboard-kit.ts';
import { root } from '../test/e2e/harness.ts';

const outDir = path.join(root, 'docs', 'screenshots');

if (!fs.existsSync(chromiumPath)) {
  console.error(`no browser at ${chromiumPath} (apt-get install chromium)`);
  process.exit(1);
}
const { chromium } = await import('playwright-core');
const sample = await startSample();
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
try {
  fs.mkdirSync(outDir, { recursive: true });
  const desktop = { width: 1280, height: 800 };
  const shots: { name: string; viewport: { width: number; height: number }; page: DashboardPage }[] = [
    ...dashboardPages.flatMap((p) => (p.screenshot ? [{ name: p.screenshot, viewport: desktop, page: p }] : [])),
    { name: 'overview-360', viewport: { width: 360, height: 740 }, page: dashboardPages[0]! },
  ];
  for (const { name, viewport, page: p } of shots) {
    const context = await browser.newContext({ viewport, colorScheme: 'light' });
    const page = await context.newPage();
    await signInWithToken(page, sample.server.url, sample.token);
    await visit(page, sample.server.url, p);
    const file = path.join(outDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    console.log(`${path.relative(root, file)}: ${Math.round(fs.statSync(file).size / 1024)} KB`);
    await context.close();
  }
} finally {
  await browser.close();
  await sample.close();
}
