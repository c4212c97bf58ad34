// The router's access log, end to end: production has `accessLog: all`, staging has none; requests
// sent through the router are found with `sluice logs NAME --env ENV --grep`, with their scope,
// stream access, and the level their status gives; staging's requests are not logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viaRouter } from './harness.ts';
import { appJs, deployedProject, pipeline, prodHost, type LogJson } from './fixtures.ts';

const app = appJs.replace("if (req.url === '/pid')", "if (req.url.startsWith('/missing')) { res.statusCode = 404; return res.end('no'); }\n  if (req.url === '/pid')");

void test('access log: requests through the router are searchable with sluice logs --grep, with scope, stream and level', { timeout: 180_000 }, async (t) => {
  const yaml = pipeline().replace('  production:\n', '  production:\n    accessLog: all\n');
  assert.match(yaml, /accessLog: all/);
  const { server } = await deployedProject(t, 'visits', { 'sluice.yaml': yaml, 'server.js': app, VERSION: 'v1\n' });
  const ok = await viaRouter(server.routerPort, prodHost('visits'), '/cart?item=a7f3');
  assert.equal(ok.status, 200, ok.body);
  const missing = await viaRouter(server.routerPort, prodHost('visits'), '/missing-b9e2');
  assert.equal(missing.status, 404);
  const staging = await viaRouter(server.routerPort, 'staging.visits.localhost', '/cart?item=c4d1');
  assert.equal(staging.status, 200, staging.body);

  const env = ['logs', 'visits', '--env', 'production'];
  const found = await server.waitFor('the access line of /cart', async () => {
    const lines = await server.jsonLines<LogJson>([...env, '--grep', 'a7f3']);
    return lines.length > 0 && lines;
  }, 20_000);
  assert.equal(found.length, 1, JSON.stringify(found));
  const line = found[0]!;
  assert.match(line.line, /^production\.visits\.localhost 127\.0\.0\.1 "GET \/cart\?item=a7f3 HTTP\/1\.1" 200 2 \d+\.\dms$/);
  assert.deepEqual([line.source, line.stream, line.level, line.service, line.release], ['router', 'access', 'info', 'web', 1]);
  assert.match(line.instance ?? '', /^visits\.production\.web\.r1\.\d+$/);

  // The 404 is a warning: --level warn finds it, and the stream filter of the search syntax too.
  const warned = await server.waitFor('the 404 as a warning', async () => {
    const lines = await server.jsonLines<LogJson>([...env, '--grep', 'stream:access', '--level', 'warn']);
    return lines.length > 0 && lines;
  }, 20_000);
  assert.deepEqual(warned.map((l) => [l.level, /"GET \/missing-b9e2 HTTP\/1\.1" 404 /.test(l.line)]), [['warn', true]]);
  // The text form, as a person reads it.
  const text = await server.cli([...env, '--grep', 'missing-b9e2']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /"GET \/missing-b9e2 HTTP\/1\.1" 404 2 /);

  // Staging has no access log: its request was proxied but never logged (its instance lines are there).
  const stagingLines = await server.jsonLines<LogJson>(['logs', 'visits', '--env', 'staging', '--grep', 'stream:access']);
  assert.deepEqual(stagingLines, []);
});
