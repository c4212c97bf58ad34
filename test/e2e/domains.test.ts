// Custom domains end to end, through the real router over HTTP: a domain answers with the
// first service; another project asking for it fails its deploy naming the holder while
// production keeps serving; dropping a domain frees it; a rollback that would take it back is
// refused; previews answer pr-N.previews.domain and give the name back when they close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestRepo, viaRouter } from './harness.ts';
import { appFiles, pipeline, prodBody, registeredProject } from './fixtures.ts';
import { commitOn, hookAppFiles, hookProject, postHook, prDelivery, previewGet, waitPreviewGone, waitRunEnded } from './hooks-kit.ts';

interface DomainJson {
  domain: string;
  environment: string;
  certificate: { state: string; notAfter: string | null; issuer: string | null; lastError: string | null };
}

/** The pipeline of appFiles with lines added to production (its block comes last). */
function withProduction(version: string, lines: string): Record<string, string> {
  return { ...appFiles(version), 'sluice.yaml': `${pipeline()}${lines}` };
}

function routesInState(dataDir: string): Record<string, { hsts?: unknown }> {
  const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'dataplane', 'state.json'), 'utf8')) as { routes: Record<string, { hsts?: unknown }> };
  return state.routes;
}

void test('a domain held by another project fails its deploy naming the holder; production keeps serving; dropping the domain frees it', async (t) => {
  const { server, repo } = await registeredProject(t, 'shop', withProduction('v1', '    domains: [Shop.Example.com]\n    hsts: true\n'));
  const first = await server.waitRun('shop', repo.head());
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  // The domain answers with the first service, any case, with a port; the router's own name too.
  for (const host of ['shop.example.com', 'SHOP.example.com', `shop.example.com:${server.routerPort}`]) assert.deepEqual(await viaRouter(server.routerPort, host), { status: 200, body: 'v1' }, host);
  assert.equal(await prodBody(server, 'shop'), 'v1');
  // hsts reaches the data plane on the domain's route only.
  const routes = routesInState(server.dataDir);
  assert.deepEqual(routes['shop.example.com']?.hsts, { maxAgeSeconds: 31_536_000, includeSubDomains: false });
  assert.equal(routes['production.shop.localhost']?.hsts, undefined);

  const domains = await server.json<DomainJson[]>(['domains', 'shop']);
  assert.deepEqual(domains, [{ domain: 'shop.example.com', environment: 'production', certificate: { state: 'pending', notAfter: null, issuer: null, lastError: null, source: 'acme' } }]);
  assert.deepEqual(await server.json<DomainJson[]>(['domains', 'shop', '--env', 'staging']), []);
  const human = await server.cli(['domains', 'shop']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /DOMAIN\s+ENVIRONMENT\s+CERTIFICATE\s+EXPIRES\s+ISSUER\s+LAST ERROR\nshop\.example\.com\s+production\s+pending\s+-/);
  assert.match((await server.cli(['domains', 'nope'])).stderr, /nope/);

  // A second project on the same server asks for the same name: its production deploy fails, naming the holder.
  const blogRepo = new TestRepo(withProduction('blog-1', '    domains: [shop.example.com]\n'));
  t.after(() => blogRepo.remove());
  assert.equal((await server.cli(['project', 'add', 'blog', '--repo', blogRepo.dir])).code, 0);
  const refused = await server.waitRun('blog', blogRepo.head());
  assert.equal(refused.state, 'failed', JSON.stringify(refused));
  assert.match(JSON.stringify(refused), /domains of production: shop\.example\.com is already claimed by project shop, environment production/);
  assert.deepEqual(await viaRouter(server.routerPort, 'shop.example.com'), { status: 200, body: 'v1' }, 'the holder keeps serving');
  assert.deepEqual(await server.json<DomainJson[]>(['domains', 'blog']), []);

  // shop moves to www.: the old name's route goes once the new release is live, and its claim is free.
  // The poller (1 s) runs each new commit; a manual trigger as well could run v2 twice and
  // leave two v2 releases, so that a plain rollback would land on v2 again.
  const v2 = repo.commit('v2', withProduction('v2', '    domains: [www.shop.example.com]\n'));
  assert.equal((await server.waitRun('shop', v2)).state, 'succeeded');
  assert.deepEqual(await viaRouter(server.routerPort, 'www.shop.example.com'), { status: 200, body: 'v2' });
  assert.equal((await viaRouter(server.routerPort, 'shop.example.com')).status, 404);
  assert.equal(routesInState(server.dataDir)['www.shop.example.com']?.hsts, undefined, 'hsts is opt-in: v2 dropped it');

  // blog takes the free name.
  const blog2 = blogRepo.commit('again', { VERSION: 'blog-2\n' });
  assert.equal((await server.waitRun('blog', blog2)).state, 'succeeded');
  assert.deepEqual(await viaRouter(server.routerPort, 'shop.example.com'), { status: 200, body: 'blog-2' });

  // Rolling shop back to v1 would take shop.example.com back from blog: refused naming blog; both keep serving.
  const v1Release = (await server.json<Array<{ number: number; commit: string }>>(['releases', 'shop', '--env', 'production'])).find((r) => r.commit === first.commit);
  assert.ok(v1Release, 'v1 has a production release');
  const rollback = await server.cli(['rollback', 'shop', '--env', 'production', '--to', String(v1Release.number)]);
  assert.notEqual(rollback.code, 0, `rollback: ${rollback.stdout} ${rollback.stderr}`);
  assert.match(rollback.stderr, /shop\.example\.com is already claimed by project blog, environment production/);
  assert.deepEqual(await viaRouter(server.routerPort, 'www.shop.example.com'), { status: 200, body: 'v2' });
  assert.deepEqual(await viaRouter(server.routerPort, 'shop.example.com'), { status: 200, body: 'blog-2' });
});

void test('a preview answers pr-N.previews.domain through the router; closing it releases the name; webhook URLs use an https --public-url', async (t) => {
  const { server, repo, secret, name } = await hookProject(t, 'pv', hookAppFiles('v1', 'previews:\n  pullRequests: true\n  domain: preview.example.com\n'), { args: ['--public-url', 'https://sluice.example.com'] });
  // An https --public-url is what the webhook URLs name.
  const shown = await server.json<{ webhooks: { urls: Record<string, string> } }>(['project', 'show', name]);
  assert.equal(shown.webhooks.urls.github, `https://sluice.example.com/hooks/github/${name}`);
  const f1 = commitOn(repo, 'feature', { VERSION: 'feature-1\n' });
  const opened = await postHook(server, 'github', name, prDelivery('github', secret, { action: 'opened', number: 3, headSha: f1, headRef: 'feature' }));
  assert.equal(opened.status, 202, JSON.stringify(opened.body));
  assert.equal((await waitRunEnded(server, name, f1)).state, 'succeeded');
  assert.deepEqual(await viaRouter(server.routerPort, 'pr-3.preview.example.com'), { status: 200, body: 'feature-1' });
  assert.deepEqual(await previewGet(server, 3, name), { status: 200, body: 'feature-1' });
  assert.deepEqual(
    (await server.json<DomainJson[]>(['domains', name])).map((d) => [d.domain, d.environment, d.certificate.state]),
    [['pr-3.preview.example.com', 'pr-3', 'pending']],
  );
  const closed = await postHook(server, 'github', name, prDelivery('github', secret, { action: 'closed', number: 3, headSha: f1, headRef: 'feature' }));
  assert.equal(closed.status, 202, JSON.stringify(closed.body));
  await waitPreviewGone(server, name, 3);
  assert.equal((await viaRouter(server.routerPort, 'pr-3.preview.example.com')).status, 404);
  assert.deepEqual(await server.json<DomainJson[]>(['domains', name]), []);
  assert.equal(await prodBody(server, name), 'v1');
});
