// The OpenTelemetry implementation of the tracing port against a real OTLP/HTTP receiver that
// decodes what it gets: one suite for both encodings (http/protobuf, http/json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createOtelTracing } from '../../src/tracing/otel/otel-tracing.ts';
import { tracingConfigOf } from '../../src/tracing/tracing-config.ts';
import { parseTraceparent, runSpanIdOf, traceIdOfRun } from '../../src/tracing/trace-ids.ts';
import type { Tracing } from '../../src/engine/tracing.ts';
import type { Run } from '../../src/store/records.ts';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
import { freePort } from '../e2e/harness.ts';

function runOf(id = randomUUID()): Run {
  return {
    id,
    project: 'app',
    number: 7,
    commitSha: 'c'.repeat(40),
    branch: 'main',
    ref: 'refs/heads/main',
    author: 'Ada',
    message: 'm',
    trigger: 'manual',
    preview: null,
    state: 'running',
    reason: null,
    artifactDigest: null,
    image: null,
    specJson: null,
    attempt: 0,
    cancelRequested: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    approvedBy: null,
    approvedAt: null,
    triggeredBy: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    startedAt: '2030-01-01T00:00:01.000Z',
    finishedAt: null,
    configSha: null,
    fromFork: 0,
  };
}

async function tracingTo(url: string, extra: Record<string, string> = {}, warn: (m: string) => void = () => {}): Promise<Tracing> {
  const config = tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: '50', ...extra });
  assert.ok(config);
  return createOtelTracing({ config, resource: { 'host.name': 'test-host' }, warn });
}

const at = (s: number): Date => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
const ns = (s: number): bigint => BigInt(at(s).getTime()) * 1_000_000n;

for (const protocol of ['http/protobuf', 'http/json']) {
  void test(`${protocol}: a run is one trace: run → stages → steps, with exit codes, states and the recorded times`, async (t) => {
    const receiver = await OtlpReceiver.start();
    t.after(() => receiver.close());
    const tracing = await tracingTo(receiver.url, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: 'ci', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=lab', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a%20b' });
    const run = runOf();
    const trace = tracing.run(run, 'app');
    const build = trace.stage({ id: 'stage-1', name: 'build', kind: 'build', environment: null }, at(2));
    const compile = build.step({ id: 'step-1', name: 'compile', idx: 0 }, at(3));
    compile.end({ state: 'succeeded', exitCode: 0, reason: null, finishedAt: at(5) });
    const broken = build.step({ id: 'step-2', name: 'broken', idx: 1 }, at(5));
    broken.end({ state: 'failed', exitCode: 3, reason: 'exited with code 3', finishedAt: at(6) });
    build.end({ state: 'failed', reason: 'step "broken" exited with code 3', finishedAt: at(6) });
    trace.end({ state: 'failed', reason: 'step "broken" exited with code 3', finishedAt: at(7) });
    await tracing.shutdown(5_000);

    assert.deepEqual(receiver.errors, []);
    const byName = (name: string): ReceivedSpan => {
      const s = receiver.spans.find((x) => x.name === name);
      assert.ok(s, `span ${name} among ${receiver.spans.map((x) => x.name).join(', ')}`);
      return s;
    };
    const runSpan = byName('run app');
    const stage = byName('stage build');
    const step1 = byName('step compile');
    const step2 = byName('step broken');
    assert.equal(receiver.spans.length, 4);
    // One trace, named after the run; the run span's id is derived from the run id too.
    for (const s of [runSpan, stage, step1, step2]) assert.equal(s.traceId, run.id.replaceAll('-', ''));
    assert.equal(runSpan.spanId, runSpanIdOf(run.id));
    assert.equal(runSpan.parentSpanId, '');
    assert.equal(stage.parentSpanId, runSpan.spanId);
    assert.equal(step1.parentSpanId, stage.spanId);
    assert.equal(step2.parentSpanId, stage.spanId);
    // The step's TRACEPARENT names its own span.
    assert.deepEqual(parseTraceparent(compile.traceparent), { traceId: step1.traceId, spanId: step1.spanId, sampled: true });
    // Recorded times: the run from its creation.
    assert.equal(runSpan.startNs, BigInt(Date.parse(run.createdAt)) * 1_000_000n);
    assert.equal(runSpan.endNs, ns(7));
    assert.deepEqual([stage.startNs, stage.endNs], [ns(2), ns(6)]);
    assert.deepEqual([step1.startNs, step1.endNs], [ns(3), ns(5)]);
    // Exit codes, states, results.
    assert.equal(step1.attributes['process.exit.code'], 0);
    assert.equal(step1.statusCode, 0);
    assert.equal(step2.attributes['process.exit.code'], 3);
    assert.equal(step2.attributes['sluice.step.state'], 'failed');
    assert.equal(step2.statusCode, 2);
    assert.equal(step2.statusMessage, 'exited with code 3');
    assert.equal(stage.attributes['cicd.pipeline.task.type'], 'build');
    assert.equal(stage.attributes['cicd.pipeline.task.run.result'], 'failure');
    assert.deepEqual(
      { p: runSpan.attributes['cicd.pipeline.name'], n: runSpan.attributes['sluice.run.number'], c: runSpan.attributes['vcs.ref.head.revision'], s: runSpan.attributes['sluice.run.state'], r: runSpan.attributes['cicd.pipeline.result'] },
      { p: 'app', n: 7, c: 'c'.repeat(40), s: 'failed', r: 'failure' },
    );
    assert.equal(runSpan.statusCode, 2);
    // Resource and headers from the standard variables.
    assert.equal(runSpan.resource['service.name'], 'ci');
    assert.equal(runSpan.resource['deployment.environment.name'], 'lab');
    assert.equal(runSpan.resource['host.name'], 'test-host');
    assert.ok(receiver.requests.every((r) => r.headers['x-tenant'] === 'a b'));
    assert.match(receiver.requests[0]?.contentType ?? '', protocol === 'http/json' ? /^application\/json/ : /^application\/x-protobuf/);
  });

  void test(`${protocol}: an API request is a server span with the HTTP semantic conventions, joining an incoming traceparent`, async (t) => {
    const receiver = await OtlpReceiver.start();
    t.after(() => receiver.close());
    const tracing = await tracingTo(receiver.url, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
    const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    tracing.request({ method: 'GET', route: '/api/runs/:id', path: '/api/runs/abc', status: 200, startedAt: at(1), finishedAt: at(2), traceparent: `00-${caller.traceId}-${caller.spanId}-01` });
    tracing.request({ method: 'POST', route: null, path: '/nowhere', status: 503, startedAt: at(3), finishedAt: at(4), traceparent: 'garbage' });
    await tracing.shutdown(5_000);
    const [joined, alone] = [receiver.spans.find((s) => s.name === 'GET /api/runs/:id'), receiver.spans.find((s) => s.name === 'POST')];
    assert.ok(joined && alone, receiver.spans.map((s) => s.name).join(', '));
    assert.equal(joined.kind, 2, 'SERVER');
    assert.equal(joined.traceId, caller.traceId);
    assert.equal(joined.parentSpanId, caller.spanId);
    assert.deepEqual(joined.attributes, { 'http.request.method': 'GET', 'http.route': '/api/runs/:id', 'url.path': '/api/runs/abc', 'url.scheme': 'http', 'http.response.status_code': 200 });
    assert.equal(joined.statusCode, 0);
    assert.deepEqual([joined.startNs, joined.endNs], [ns(1), ns(2)]);
    // A malformed traceparent is ignored (a new trace); a 5xx is an error.
    assert.equal(alone.parentSpanId, '');
    assert.notEqual(alone.traceId, caller.traceId);
    assert.equal(alone.statusCode, 2);
    assert.equal(alone.attributes['http.route'], undefined);
  });
}

void test('a run continued by another server stays one trace: stages sent by two tracers share the run span', async (t) => {
  const receiver = await OtlpReceiver.start();
  t.after(() => receiver.close());
  const run = runOf();
  // Server A builds, then stops (the stage it was in is interrupted); server B runs the rest and ends the run.
  const a = await tracingTo(receiver.url);
  const ta = a.run(run, 'app');
  ta.stage({ id: 's1', name: 'build', kind: 'build', environment: null }, at(1)).end({ state: 'succeeded', reason: null, finishedAt: at(2) });
  ta.stage({ id: 's2', name: 'test', kind: 'test', environment: null }, at(2)).end({ state: 'interrupted', reason: 'shutdown', finishedAt: at(3) });
  await a.shutdown(5_000);
  const b = await tracingTo(receiver.url);
  const tb = b.run({ ...run, attempt: 1 }, 'app');
  tb.stage({ id: 's2', name: 'test', kind: 'test', environment: null }, at(4)).end({ state: 'succeeded', reason: null, finishedAt: at(5) });
  tb.stage({ id: 's3', name: 'deploy:production', kind: 'deploy', environment: 'production' }, at(5)).end({ state: 'succeeded', reason: null, finishedAt: at(6) });
  tb.end({ state: 'succeeded', reason: null, finishedAt: at(6) });
  await b.shutdown(5_000);
  assert.equal(receiver.spans.length, 5);
  const root = receiver.spans.find((s) => s.parentSpanId === '');
  assert.ok(root);
  assert.equal(root.traceId, traceIdOfRun(run.id));
  for (const s of receiver.spans.filter((x) => x !== root)) {
    assert.equal(s.traceId, root.traceId, s.name);
    assert.equal(s.parentSpanId, root.spanId, s.name);
  }
  assert.deepEqual(receiver.spans.filter((s) => s.name === 'stage test').map((s) => s.attributes['sluice.stage.state']), ['interrupted', 'succeeded']);
  assert.equal(receiver.spans.find((s) => s.name === 'stage deploy:production')?.attributes['sluice.environment'], 'production');
});

void test('OTEL_TRACES_SAMPLER=always_off: nothing is sent, and the step still gets a (not sampled) TRACEPARENT', async (t) => {
  const receiver = await OtlpReceiver.start();
  t.after(() => receiver.close());
  const tracing = await tracingTo(receiver.url, { OTEL_TRACES_SAMPLER: 'always_off' });
  const trace = tracing.run(runOf(), 'app');
  const stage = trace.stage({ id: 's', name: 'build', kind: 'build', environment: null }, at(1));
  const step = stage.step({ id: 'x', name: 'x', idx: 0 }, at(1));
  assert.match(step.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  step.end({ state: 'succeeded', exitCode: 0, reason: null, finishedAt: at(2) });
  stage.end({ state: 'succeeded', reason: null, finishedAt: at(2) });
  trace.end({ state: 'succeeded', reason: null, finishedAt: at(2) });
  await tracing.shutdown(5_000);
  assert.equal(receiver.requests.length, 0);
});

void test('an unreachable collector never holds a run up: spans are dropped with a warning, and shutdown is bounded', async () => {
  const closedPort = await freePort();
  const warnings: string[] = [];
  const tracing = await tracingTo(`http://127.0.0.1:${closedPort}`, { OTEL_EXPORTER_OTLP_TIMEOUT: '500' }, (m) => warnings.push(m));
  const started = performance.now();
  for (let i = 0; i < 50; i++) {
    const trace = tracing.run(runOf(), 'app');
    const stage = trace.stage({ id: 's', name: 'build', kind: 'build', environment: null }, at(1));
    stage.step({ id: 'x', name: 'x', idx: 0 }, at(1)).end({ state: 'succeeded', exitCode: 0, reason: null, finishedAt: at(2) });
    stage.end({ state: 'succeeded', reason: null, finishedAt: at(2) });
    trace.end({ state: 'succeeded', reason: null, finishedAt: at(2) });
  }
  assert.ok(performance.now() - started < 500, 'ending spans does not wait for the collector');
  const deadline = Date.now() + 10_000;
  while (warnings.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(warnings[0] ?? '', new RegExp(`not exported to http://127\\.0\\.0\\.1:${closedPort}/v1/traces`));
  const stopping = performance.now();
  await tracing.shutdown(1_000);
  assert.ok(performance.now() - stopping < 1_500, `shutdown took ${Math.round(performance.now() - stopping)} ms`);
});

void test('a collector that accepts and never answers: shutdown still returns within its bound', async (t) => {
  const sockets = new Set<import('node:net').Socket>();
  const silent = http.createServer(() => {}); // never responds
  silent.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => silent.close(() => r()));
  });
  const tracing = await tracingTo(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
  const trace = tracing.run(runOf(), 'app');
  trace.end({ state: 'succeeded', reason: null, finishedAt: at(2) });
  const stopping = performance.now();
  await tracing.shutdown(800);
  const took = performance.now() - stopping;
  assert.ok(took >= 700 && took < 1_500, `shutdown took ${Math.round(took)} ms`);
});
