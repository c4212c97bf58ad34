// The OpenFeature web SDK with @openfeature/ofrep-web-provider in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, nothing downloaded): a page on the environment's
// host shows a flag from /_sluice/ofrep (same origin, public key) and follows a published change.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { flagsKit, shopFlags } from './ofrep-kit.ts';

const chromiumPath = '/usr/bin/chromium';
const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'flags-web');

// The instance behind the environment's host: the page and its bundled script. Everything under
// /_sluice is answered by the router itself, never here.
const servePage = `
const fs = require('node:fs');
const http = require('node:http');
const srv = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.url.startsWith('/page.js')) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync('page.js'));
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>flags</title><p id="banner">loading</p><script src="/page.js"></script>');
});
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.closeAllConnections(); srv.close(); process.exit(0); });
`;

void test('a page with the OFREP web provider shows a flag and reacts to its change', { skip: fs.existsSync(chromiumPath) ? false : `no ${chromiumPath} (apt-get install chromium)` }, async (t) => {
  const f = await flagsKit(t);
  await f.publisher.publish(shopFlags(1));
  await build({ entryPoints: [path.join(fixtures, 'page.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'chrome110', outfile: path.join(f.kit.appDir, 'page.js'), logLevel: 'silent' });
  fs.writeFileSync(path.join(f.kit.appDir, 'serve-page.cjs'), servePage);
  const id = 'shop.production.web.r1.1';
  await f.dp.startInstance({ ...f.kit.spec(id), command: `exec "${process.execPath}" serve-page.cjs`, labels: { project: 'shop', environment: 'production' } });
  await f.dp.waitReady(id, 20_000);
  f.dp.setRoute('production.shop.localhost', { backends: [{ release: 'r1', weight: 100, instances: [id] }] });

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--host-resolver-rules=MAP *.localhost 127.0.0.1'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://production.shop.localhost:${f.dp.routerPort}/?key=${encodeURIComponent(f.clientKey)}`);
  const banner = async (): Promise<string> => (await page.textContent('#banner')) ?? '';
  let seen = '';
  const until = async (want: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while ((seen = await banner()) !== want) {
      assert.ok(Date.now() < deadline, `the banner shows ${JSON.stringify(seen)}, not ${JSON.stringify(want)}; page errors: ${errors.join('; ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('Hello');
  await f.publisher.publish(shopFlags(2, { flags: { ...shopFlags(1).flags, 'banner-text': { state: 'ENABLED', variants: { hello: 'Hello', bye: 'Goodbye' }, defaultVariant: 'bye' } } }));
  await until('Goodbye');
  assert.deepEqual(errors, []);
});
