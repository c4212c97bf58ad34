// The scrape: recorded events + store + data plane → prom-client text, checked by promtool;
// hosts named by the instances behind them; scoped tokens; a data plane that is down or hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../src/auth/principal.ts';
import { MetricRecorder } from '../../src/metrics/metric-recorder.ts';
import { MetricsExposition, type ExpositionDeps } from '../../src/metrics/metrics-exposition.ts';
import type { ReleaseMetrics, RouteTable } from '../../src/router/route-table.ts';
import type { InstanceInfo } from '../../src/runtime/runtime.ts';
import type { CertificateRecord } from '../../src/certificates/certificate-record.ts';
import { promtoolCheck } from './promtool.ts';
import type { PlatformEvent } from '../../src/events/platform-event.ts';

const admin: Principal = { name: 'admin', role: 'admin', projects: null, environments: null };

function releaseMetrics(host: string, release: string, ok: number, errors: number): ReleaseMetrics {
  return {
    host,
    release,
    requests: ok + errors,
    errors5xx: errors,
    statusClasses: { '1xx': 0, '2xx': ok, '3xx': 0, '4xx': 0, '5xx': errors },
    connectFailures: 0,
    latency: { bounds: [10, 100], counts: [ok, ok + errors, ok + errors], sum: 5 * (ok + errors) },
  };
}

function instance(id: string, state: string, restarts = 0): InstanceInfo {
  const [project, environment, service, release] = id.split('.');
  return { id, state, port: 1, pid: 1, restarts, reason: null, labels: { project: project!, environment: environment!, service: service!, release: release!.slice(1) } };
}

interface Fakes {
  metrics: ReleaseMetrics[];
  table: RouteTable;
  instances: InstanceInfo[];
  routerDown?: 'fails' | 'hangs';
}

function exposition(f: Fakes, recorder = new MetricRecorder()): { exposition: MetricsExposition; warnings: string[] } {
  const warnings: string[] = [];
  const down = <T>(value: () => T): Promise<T> =>
    f.routerDown === 'fails' ? Promise.reject(new Error('data plane unreachable at /x.sock: ECONNREFUSED')) : f.routerDown === 'hangs' ? new Promise<T>(() => {}) : Promise.resolve(value());
  const certificate: CertificateRecord = { id: 'cert-0123456789abcdef', domains: ['www.example.com', 'example.com'], source: 'acme', state: 'valid', certificatePem: null, sealedKey: null, notAfter: '2027-03-01T00:00:00.000Z', issuer: null, lastError: null, failures: 0, nextAttemptAt: null, orderUrl: null, updatedAt: '' };
  const deps: ExpositionDeps = {
    recorder,
    router: { metrics: () => down(() => f.metrics), applied: () => down(() => f.table) },
    runtime: { listInstances: () => down(() => f.instances) },
    store: {
      countRunsByState: async () => [
        { project: 'shop', state: 'succeeded', count: 4 },
        { project: 'shop', state: 'queued', count: 2 },
        { project: 'blog', state: 'failed', count: 1 },
      ],
      listCertificates: async () => [certificate, { ...certificate, id: 'cert-pending', notAfter: null, state: 'pending' }],
    },
    version: '9.9.9',
    events: { listEvents: async (filter) => doraHistory.filter((e) => filter.since === undefined || e.at >= filter.since) },
    now: () => new Date('2030-01-31T00:00:00.000Z'),
    // The log pipeline while its store fails (a full disk): lines wait, the oldest were dropped.
    logs: { status: () => ({ queued: 12, dropped: 3, error: 'SQLITE_FULL: database or disk is full' }) },
    dataPlaneTimeoutMs: 300,
    warn: (m) => warnings.push(m),
  };
  return { exposition: new MetricsExposition(deps), warnings };
}

function event(kind: PlatformEvent['kind'], at: string, environment: string, release: number, facts: Record<string, unknown>, committedAt: string | null): PlatformEvent {
  return {
    seq: Date.parse(at), id: `${kind}-${at}`, kind, at, project: 'shop', environment, release, run: null,
    commit: { sha: `sha-${release}`, message: '', author: '', committedAt }, cause: 'commit', summary: '', facts,
  };
}

// shop/production over the 30 days before 2030-01-31: r1 live (lead 1 h), r2 live (lead 3 h) and
// rolled back 10 min later, r3 (r1 put back) live 1 min after that; a preview's deploy is no series.
const doraHistory: PlatformEvent[] = [
  event('release.live', '2030-01-10T00:00:00.000Z', 'production', 1, {}, '2030-01-09T23:00:00.000Z'),
  event('release.live', '2030-01-20T00:00:00.000Z', 'production', 2, {}, '2030-01-19T21:00:00.000Z'),
  event('rollback', '2030-01-20T00:10:00.000Z', 'production', 3, { from: 2, to: 1, release: 3 }, '2030-01-09T23:00:00.000Z'),
  event('release.live', '2030-01-20T00:11:00.000Z', 'production', 3, { rollbackOf: 2 }, '2030-01-09T23:00:00.000Z'),
  event('release.live', '2030-01-21T00:00:00.000Z', 'pr-7', 1, {}, '2030-01-20T00:00:00.000Z'),
];

/** The value of one sample line, by its exact name and label text. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

const shopWeb = 'project="shop",environment="production",service="web",release="r3"';

function shopFakes(): Fakes {
  return {
    // The environment's host and the service's host both reach web: one series, summed.
    metrics: [releaseMetrics('production.shop.localhost', 'r3', 7, 1), releaseMetrics('web.production.shop.localhost', 'r3', 2, 0), releaseMetrics('blog.example.org', 'r1', 5, 0), releaseMetrics('nobody.localhost', 'r9', 1, 0)],
    table: {
      routes: [
        { host: 'production.shop.localhost', backends: [{ release: 'r3', weight: 100, targets: [{ id: 'shop.production.web.r3.1', host: '127.0.0.1', port: 1 }] }] },
        { host: 'web.production.shop.localhost', backends: [{ release: 'r3', weight: 100, targets: [{ id: 'shop.production.web.r3.1', host: '127.0.0.1', port: 1 }] }] },
        // A custom domain: named through its instance, which the instance list no longer has (id parsed).
        { host: 'blog.example.org', backends: [{ release: 'r1', weight: 100, targets: [{ id: 'blog.pr-4.web.r1.1', host: '127.0.0.1', port: 2 }] }] },
      ],
    },
    instances: [instance('shop.production.web.r3.1', 'ready', 2), instance('shop.production.web.r3.2', 'starting', 1), instance('blog.pr-5.web.r2.1', 'sleeping')],
  };
}

void test('one scrape: router traffic per project/environment/service/release, instances, runs, certificates, build info; promtool passes', async () => {
  const recorder = new MetricRecorder();
  recorder.count('webhooks', { host: 'github', result: 'accepted' });
  recorder.observe('stageDuration', { project: 'shop', stage: 'build', result: 'succeeded' }, 12);
  const { exposition: e } = exposition(shopFakes(), recorder);
  const { text, contentType } = await e.render(admin);
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  const check = promtoolCheck(text);
  assert.equal(check.code, 0, check.output);
  assert.equal(sample(text, `sluice_http_requests_total{${shopWeb},code="2xx"}`), 9);
  assert.equal(sample(text, `sluice_http_requests_total{${shopWeb},code="5xx"}`), 1);
  assert.equal(sample(text, `sluice_http_request_duration_seconds_bucket{${shopWeb},le="0.01"}`), 9);
  assert.equal(sample(text, `sluice_http_request_duration_seconds_count{${shopWeb}}`), 10);
  assert.equal(sample(text, `sluice_http_request_duration_seconds_sum{${shopWeb}}`), 0.05);
  assert.equal(sample(text, 'sluice_http_requests_total{project="blog",environment="pr-4",service="web",release="r1",code="2xx"}'), 5);
  assert.ok(!text.includes('nobody.localhost') && !text.includes('r9'), 'a host no route names is left out');
  assert.equal(sample(text, `sluice_instances_ready{${shopWeb}}`), 1);
  assert.equal(sample(text, `sluice_instance_restarts_total{${shopWeb}}`), 3);
  assert.equal(sample(text, 'sluice_instances_sleeping{project="blog",environment="pr-5",service="web",release="r2"}'), 1);
  assert.equal(sample(text, 'sluice_previews_sleeping{project="blog"}'), 1);
  assert.equal(sample(text, 'sluice_previews_sleeping{project="shop"}'), 0);
  assert.equal(sample(text, 'sluice_runs{project="shop",state="queued"}'), 2);
  assert.equal(sample(text, 'sluice_run_queue_depth{project="shop"}'), 2);
  assert.equal(sample(text, 'sluice_run_queue_depth{project="blog"}'), 0);
  assert.equal(sample(text, 'sluice_certificate_expiry_timestamp_seconds{certificate="cert-0123456789abcdef",domain="example.com",source="acme",state="valid"}'), Date.parse('2027-03-01T00:00:00Z') / 1000);
  assert.ok(!text.includes('cert-pending'), 'a certificate without a chain has no expiry');
  assert.equal(sample(text, `sluice_build_info{version="9.9.9",node="${process.version}"}`), 1);
  assert.equal(sample(text, 'sluice_dataplane_up'), 1);
  assert.equal(sample(text, 'sluice_log_store_failing'), 1);
  assert.equal(sample(text, 'sluice_log_lines_queued'), 12);
  assert.equal(sample(text, 'sluice_log_lines_dropped_total'), 3);
  assert.equal(sample(text, 'sluice_webhooks_total{host="github",result="accepted"}'), 1);
  assert.equal(sample(text, 'sluice_stage_duration_seconds_bucket{project="shop",stage="build",result="succeeded",le="30"}'), 1);
  // No instance ids or commits as label values.
  assert.ok(!/shop\.production\.web\.r3\.1/.test(text));
});

void test('DORA keys per project and environment from stored events, absent where there is no figure; promtool passes', async () => {
  const { exposition: e } = exposition(shopFakes());
  const { text } = await e.render(admin);
  const check = promtoolCheck(text);
  assert.equal(check.code, 0, check.output);
  const shop = '{project="shop",environment="production"}';
  assert.equal(sample(text, `sluice_dora_deploys${shop}`), 2); // r1, r2 (r3 is a rollback's target)
  assert.equal(sample(text, `sluice_dora_deploys_per_day${shop}`), 2 / 30);
  assert.equal(sample(text, `sluice_dora_lead_time_p50_seconds${shop}`), 3600); // 1 h and 3 h: nearest rank p50 = 1 h
  assert.equal(sample(text, `sluice_dora_lead_time_p90_seconds${shop}`), 10800);
  assert.equal(sample(text, `sluice_dora_change_failure_ratio${shop}`), 0.5); // r2 of 2
  assert.equal(sample(text, `sluice_dora_changes_failed${shop}`), 1);
  assert.equal(sample(text, `sluice_dora_time_to_restore_p50_seconds${shop}`), 60); // 00:10 → 00:11
  assert.equal(sample(text, `sluice_dora_incidents_restored${shop}`), 1);
  assert.ok(!text.includes('environment="pr-7"'), 'previews have no DORA series');
});

void test('a host whose instances sleep keeps the labels it was seen with', async () => {
  const f = shopFakes();
  const { exposition: e } = exposition(f);
  await e.render(admin);
  f.table = { routes: f.table.routes.map((r) => ({ ...r, backends: r.backends.map((b) => ({ ...b, targets: [] })) })) };
  const { text } = await e.render(admin);
  assert.equal(sample(text, `sluice_http_requests_total{${shopWeb},code="2xx"}`), 9);
});

void test('a token limited to a project sees its series and the global ones only', async () => {
  const { exposition: e } = exposition(shopFakes());
  const scoped: Principal = { name: 'ci', role: 'viewer', projects: ['shop'], environments: null };
  const { text } = await e.render(scoped);
  assert.equal(promtoolCheck(text).code, 0);
  assert.equal(sample(text, `sluice_http_requests_total{${shopWeb},code="2xx"}`), 9);
  assert.equal(sample(text, 'sluice_runs{project="shop",state="succeeded"}'), 4);
  assert.ok(!text.includes('project="blog"'), 'no series of another project');
  assert.ok(!text.includes('sluice_certificate_expiry_timestamp_seconds{'), 'certificates are not per project');
  assert.equal(sample(text, 'sluice_dataplane_up'), 1);
  assert.ok(text.includes('sluice_build_info{'));
  const staging: Principal = { name: 'st', role: 'viewer', projects: ['shop'], environments: ['staging'] };
  const onlyStaging = (await e.render(staging)).text;
  assert.ok(!onlyStaging.includes('environment="production"'), 'no series of another environment');
  assert.equal(sample(onlyStaging, 'sluice_runs{project="shop",state="queued"}'), 2, 'runs are per project');
});

for (const how of ['fails', 'hangs'] as const) {
  void test(`a data plane that ${how} leaves its series out and says sluice_dataplane_up 0; the scrape still answers`, async () => {
    const f = shopFakes();
    f.routerDown = how;
    const { exposition: e, warnings } = exposition(f);
    const started = Date.now();
    const { text } = await e.render(admin);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(sample(text, 'sluice_dataplane_up'), 0);
    assert.equal(sample(text, 'sluice_runs{project="shop",state="queued"}'), 2);
    assert.ok(!text.includes('sluice_http_requests_total{'));
    assert.equal(promtoolCheck(text).code, 0);
    assert.match(warnings.join('\n'), how === 'fails' ? /ECONNREFUSED/ : /did not answer within 300 ms/);
  });
}
