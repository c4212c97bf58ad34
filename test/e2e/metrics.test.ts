// GET /metrics on a real server: the token it needs, what a scoped token sees, promtool on the
// real output, and a real Prometheus scraping it with a bearer token and answering a PromQL
// query over traffic this test sent through the router.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { viaRouter, type TestServer } from './harness.ts';
import { appFiles, deployedProject, prodHost } from './fixtures.ts';
import { promtoolCheck } from '../metrics/promtool.ts';
import { startPrometheus as startPrometheusKit, waitScraped } from '../metrics/prometheus-kit.ts';

async function scrape(server: TestServer, token: string | undefined): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

async function sendRequests(server: TestServer, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal((await viaRouter(server.routerPort, prodHost('shop'))).status, 200);
}

const prod2xx = 'sluice_http_requests_total{project="shop",environment="production",service="web",release="r1",code="2xx"}';

/** A real `prometheus` on loopback scraping the server every second with the token (test/metrics/prometheus-kit.ts); ended by pid. */
async function startPrometheus(t: TestContext, server: TestServer, token: string): Promise<string> {
  const prometheus = await startPrometheusKit(`127.0.0.1:${server.port}`, { bearerToken: token });
  t.after(() => prometheus.stop());
  await waitScraped(prometheus);
  return prometheus.url;
}

async function query(base: string, promql: string): Promise<number | null> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ value: [number, string] }> } };
  assert.equal(body.status, 'success', body.error);
  const [first] = body.data?.result ?? [];
  return first ? Number(first.value[1]) : null;
}

void test('GET /metrics: viewer token, promtool-clean output, scoped tokens, and a real Prometheus answering PromQL about router traffic', async (t) => {
  const { server, repo } = await deployedProject(t, 'shop', appFiles('v1'));
  const admin = server.token();
  assert.ok(admin);

  // Authentication: none → 401; a viewer token is enough.
  assert.equal((await scrape(server, undefined)).status, 401);
  const viewer = await server.json<{ token: string }>(['token', 'create', 'prometheus', '--role', 'viewer']);
  // Webhooks: one with a bad signature, one for a project that does not exist (its name is no label).
  const hook = (project: string): Promise<Response> => fetch(`${server.url}/hooks/github/${project}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' }, body: '{}' });
  assert.equal((await hook('shop')).status, 401);
  assert.equal((await hook('no-such-project-4711')).status, 404);
  await sendRequests(server, 25);
  const first = await scrape(server, viewer.token);
  assert.equal(first.status, 200, first.text);
  assert.match(first.type, /^text\/plain; version=0\.0\.4/);
  const check = promtoolCheck(first.text);
  assert.equal(check.code, 0, `${check.output}\n${first.text}`);
  const text = first.text;
  assert.equal(sample(text, prod2xx), 25, text);
  assert.equal(sample(text, 'sluice_http_request_duration_seconds_count{project="shop",environment="production",service="web",release="r1"}'), 25);
  assert.equal(sample(text, 'sluice_instances_ready{project="shop",environment="production",service="web",release="r1"}'), 1);
  assert.equal(sample(text, 'sluice_dataplane_up'), 1);
  assert.equal(sample(text, 'sluice_runs{project="shop",state="succeeded"}'), 1);
  assert.equal(sample(text, 'sluice_run_queue_depth{project="shop"}'), 0);
  assert.equal(sample(text, 'sluice_rollouts_total{project="shop",environment="production",strategy="rolling",outcome="promoted"}'), 1, text);
  for (const stage of ['checkout', 'build', 'test', 'deploy', 'verify']) {
    assert.ok((sample(text, `sluice_stage_duration_seconds_count{project="shop",stage="${stage}",result="succeeded"}`) ?? 0) >= 1, `stage ${stage} timed`);
  }
  assert.equal(sample(text, 'sluice_webhooks_total{host="github",result="unauthenticated"}'), 1, text);
  assert.equal(sample(text, 'sluice_webhooks_total{host="github",result="not_found"}'), 1);
  assert.ok(!text.includes('no-such-project-4711'));
  assert.match(text, /^sluice_build_info\{version="[^"]+",node="v\d+/m);
  assert.ok(!text.includes(repo.head()), 'no commit SHA in any label');
  assert.ok(!/shop\.production\.web\.r1\.\d/.test(text), 'no instance id in any label');

  // A token limited to another project sees none of shop's series (and is not refused).
  assert.equal((await server.cli(['project', 'add', 'other', '--repo', repo.dir])).code, 0);
  const scoped = await server.json<{ token: string }>(['token', 'create', 'other-only', '--role', 'viewer', '--project', 'other']);
  const limited = await scrape(server, scoped.token);
  assert.equal(limited.status, 200);
  assert.ok(!limited.text.includes('project="shop"'), limited.text);
  assert.equal(sample(limited.text, 'sluice_dataplane_up'), 1);
  assert.equal(promtoolCheck(limited.text).code, 0);

  // A real Prometheus scrapes with the bearer token; the PromQL answer is the traffic sent.
  const prometheus = await startPrometheus(t, server, viewer.token);
  await sendRequests(server, 15);
  const promql = 'sum(sluice_http_requests_total{project="shop",environment="production",code="2xx"})';
  const answer = await server.waitFor('Prometheus to see 40 production requests', async () => ((await query(prometheus, promql)) === 40 ? 40 : false), 30_000);
  assert.equal(answer, 40);
  assert.equal(await query(prometheus, 'up{job="sluice"}'), 1);
  assert.equal(await query(prometheus, 'sluice_dataplane_up'), 1);
});
