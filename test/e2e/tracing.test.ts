// OpenTelemetry traces end to end: a server started with the standard OTEL_* variables sends a
// run as one trace (run → stages → steps) to an OTLP/HTTP receiver inside the test, gives each
// step its span as TRACEPARENT, traces API requests, and flushes on SIGTERM. Without the
// variables, no OpenTelemetry module is loaded at all (a resolve hook would make the server fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { bin, freePort, root, tempDir, TestServer } from './harness.ts';
import { allLogs, apiRun, firstRun, setup, stageOf, type FullRun } from './pipeline-kit.ts';
import { OtlpReceiver, type ReceivedSpan } from '../tracing/otlp-receiver.ts';
import { StepSignals } from './step-signals.ts';

const pipeline = `build:
  - name: show
    run: echo "TP=\${TRACEPARENT:-unset}"
test:
  - name: unit
    run: echo testing
  - name: broken
    run: exit 3
`;

const msOf = (ns: bigint): number => Number(ns / 1_000_000n);

void test('a run is one trace: run → stages → steps with exit codes and times; steps get TRACEPARENT; API requests are spans; SIGTERM flushes', async (t) => {
  const receiver = await OtlpReceiver.start();
  t.after(() => receiver.close());
  // A batch delay longer than the test: every span arrives through the flush at SIGTERM.
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sluice-e2e', OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_EXPORTER_OTLP_HEADERS: 'x-e2e=1' };
  const { server, repo, name } = await setup(t, 'traced', { 'sluice.yaml': pipeline }, { env });
  const run = (await server.waitRun(name, repo.head())) as unknown as FullRun;
  assert.equal(run.state, 'failed', JSON.stringify(run));
  const shown = (await allLogs(server, run.id)).find((l) => l.line.startsWith('TP='))?.line.slice(3);
  assert.match(shown ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'the step saw a sampled W3C traceparent');
  const caller = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
  const health = await fetch(`${server.url}/api/health`, { headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } });
  assert.equal(health.status, 200);
  assert.equal(receiver.spans.length, 0, 'nothing sent before the batch is due');
  await server.stopGracefully();

  assert.deepEqual(receiver.errors, []);
  assert.ok(receiver.requests.length > 0 && receiver.requests.every((r) => r.headers['x-e2e'] === '1' && r.contentType.startsWith('application/x-protobuf')));
  const traceId = run.id.replaceAll('-', '');
  const inTrace = receiver.spans.filter((s) => s.traceId === traceId);
  const one = (name: string): ReceivedSpan => {
    const found = inTrace.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one span ${name} in ${inTrace.map((s) => s.name).join(', ')}`);
    return found[0]!;
  };
  const runSpan = one('run traced');
  assert.equal(runSpan.parentSpanId, '');
  assert.equal(runSpan.attributes['cicd.pipeline.run.id'], run.id);
  assert.equal(runSpan.attributes['sluice.run.number'], run.number);
  assert.equal(runSpan.attributes['vcs.ref.head.revision'], repo.head());
  assert.equal(runSpan.attributes['sluice.run.state'], 'failed');
  assert.equal(runSpan.statusCode, 2);
  assert.equal(runSpan.resource['service.name'], 'sluice-e2e');
  assert.equal(msOf(runSpan.endNs), Date.parse((run as FullRun & { finishedAt: string }).finishedAt));
  for (const stageName of ['checkout', 'build', 'test']) {
    const span = one(`stage ${stageName}`);
    const stage = stageOf(run, stageName);
    assert.equal(span.parentSpanId, runSpan.spanId, stageName);
    assert.equal(span.attributes['sluice.stage.state'], stage.state);
    assert.deepEqual([msOf(span.startNs), msOf(span.endNs)], [Date.parse(stage.startedAt!), Date.parse(stage.finishedAt!)], `${stageName}: the stored times`);
  }
  const steps = [
    ['build', 'show', 0, 'succeeded'],
    ['test', 'unit', 0, 'succeeded'],
    ['test', 'broken', 3, 'failed'],
  ] as const;
  for (const [stageName, stepName, exitCode, state] of steps) {
    const span = one(`step ${stepName}`);
    const step = stageOf(run, stageName).steps.find((s) => s.name === stepName)!;
    assert.equal(span.parentSpanId, one(`stage ${stageName}`).spanId, stepName);
    assert.equal(span.attributes['process.exit.code'], exitCode, stepName);
    assert.equal(step.exitCode, exitCode);
    assert.equal(span.attributes['sluice.step.state'], state);
    assert.equal(span.statusCode, state === 'failed' ? 2 : 0);
    assert.deepEqual([msOf(span.startNs), msOf(span.endNs)], [Date.parse(step.startedAt!), Date.parse(step.finishedAt!)], `${stepName}: the stored times`);
  }
  assert.equal(shown, `00-${traceId}-${one('step show').spanId}-01`, "the step's TRACEPARENT names its own span");
  // The API request joined the caller's trace.
  const api = receiver.spans.find((s) => s.traceId === caller.traceId);
  assert.ok(api, 'the API request with a traceparent became a span of that trace');
  assert.equal(api.name, 'GET /api/health');
  assert.equal(api.parentSpanId, caller.spanId);
  assert.equal(api.kind, 2);
  assert.equal(api.attributes['http.response.status_code'], 200);
  assert.equal(api.attributes['http.route'], '/api/health');
  assert.ok(receiver.spans.some((s) => s.attributes['http.route'] === '/api/runs/:id' && s.attributes['http.request.method'] === 'GET'), 'the CLI and test calls were traced too');
});

void test('a run handed back at SIGTERM and resumed by the restarted server stays one trace', async (t) => {
  const receiver = await OtlpReceiver.start();
  t.after(() => receiver.close());
  // The step waits for a gate opened only after the restart, so SIGTERM always lands while it
  // runs (a fixed sleep ended before SIGTERM on a loaded machine).
  const signals = await StepSignals.start(t);
  const slow = `build:
  - name: slow
    run: until curl -fs -o /dev/null ${signals.url}/gate/resumed; do sleep 0.1; done
test:
  - name: unit
    run: echo testing
`;
  const { server, name } = await setup(t, 'resumed', { 'sluice.yaml': slow }, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' } });
  const first = await firstRun(server, name);
  // The build stage exists only once checkout has read sluice.yaml: until then, keep waiting.
  await server.waitFor('the slow step to run', async () => (await apiRun(server, first.id)).stages.find((s) => s.name === 'build')?.steps[0]?.state === 'running');
  await server.stopGracefully();
  await server.launch();
  signals.openGate('resumed');
  const run = await server.waitFor('the resumed run to succeed', async () => {
    const r = await apiRun(server, first.id);
    return r.state === 'succeeded' ? r : null;
  }, 60_000);
  assert.equal(run.attempt, 1, 'resumed once');
  const traceId = run.id.replaceAll('-', '');
  const spans = await receiver.waitFor('the run span', (all) => (all.some((s) => s.traceId === traceId && s.parentSpanId === '') ? all.filter((s) => s.traceId === traceId) : undefined));
  const runSpans = spans.filter((s) => s.parentSpanId === '');
  assert.equal(runSpans.length, 1, 'one run span');
  const root = runSpans[0]!;
  const stages = spans.filter((s) => s.name.startsWith('stage '));
  for (const s of stages) assert.equal(s.parentSpanId, root.spanId, `${s.name} is a child of the run span`);
  // Both servers' spans: the build interrupted by the first, then run again by the second.
  const summary = spans.map((s) => `${s.name}:${String(s.attributes['sluice.stage.state'] ?? s.attributes['sluice.step.state'] ?? '')}`).join(', ');
  assert.deepEqual(stages.filter((s) => s.name === 'stage build').map((s) => s.attributes['sluice.stage.state']), ['interrupted', 'succeeded'], summary);
  assert.equal(stages.filter((s) => s.name === 'stage test').length, 1);
  const builds = spans.filter((s) => s.name === 'step slow');
  assert.equal(builds.length, 2);
  for (const step of builds) assert.ok(stages.some((s) => s.spanId === step.parentSpanId), 'each step span hangs under a stage span');
  assert.equal(root.attributes['sluice.run.state'], 'succeeded');
});

void test('tracing off (no OTEL variables): no OpenTelemetry module is loaded and steps get no TRACEPARENT', async (t) => {
  // A resolve hook in the server (and its data plane) that fails any import of @opentelemetry/*.
  const dir = tempDir('tripwire');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) throw new Error('TRIPWIRE: ' + specifier + ' loaded');
  return next(specifier, context);
}`;
  fs.writeFileSync(path.join(dir, 'hook.mjs'), hook);
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hook.mjs')).href)});\n`);
  const nodeOptions = `--import=${pathToFileURL(path.join(dir, 'register.mjs')).href}`;

  // The tripwire works: with tracing on, the same server cannot start.
  await assert.rejects(TestServer.start([], { NODE_OPTIONS: nodeOptions, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }), /TRIPWIRE: @opentelemetry\/\S+ loaded/);

  const { server, repo, name } = await setup(t, 'untraced', { 'sluice.yaml': pipeline.replace('run: exit 3', 'run: "true"') }, { env: { NODE_OPTIONS: nodeOptions } });
  const run = await server.waitRun(name, repo.head());
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.ok((await allLogs(server, run.id)).some((l) => l.line === 'TP=unset'), 'no TRACEPARENT when there is no trace to join');
  assert.doesNotMatch(server.log, /TRIPWIRE|tracing:/);
});

void test('an unreachable collector neither fails nor holds up a run, nor the server’s stop', async (t) => {
  const closed = await freePort();
  const { server, repo, name } = await setup(t, 'nocollector', { 'sluice.yaml': pipeline.replace('run: exit 3', 'run: "true"') }, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`, OTEL_BSP_SCHEDULE_DELAY: '100' } });
  const run = await server.waitRun(name, repo.head());
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  await server.waitFor('the export failure in the log', async () => server.log.includes(`not exported to http://127.0.0.1:${closed}/v1/traces`));
  const stopping = performance.now();
  await server.stopGracefully();
  const took = performance.now() - stopping;
  assert.ok(took < 8_000, `the server stopped in ${Math.round(took)} ms`);
});

void test('a bad OTEL variable stops `sluice server` before it starts, naming the variable', async (t) => {
  const dir = tempDir('badotel');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const data = path.join(dir, 'data');
  const r = spawnSync(process.execPath, [bin, 'server', '--data', data, '--port', String(await freePort()), '--router-port', String(await freePort())], {
    cwd: root,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: .*OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http\/protobuf/);
  assert.equal(fs.existsSync(data), false, 'nothing was created');
});
