// The standard OpenTelemetry variables → the tracing configuration (or off), and bad values
// refused with a message that names the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingConfigOf } from '../../src/tracing/tracing-config.ts';
import { readEnvironment } from '../../src/config/environment.ts';
import { formatTraceparent, parseTraceparent, traceIdOfRun } from '../../src/tracing/trace-ids.ts';

void test('off unless an endpoint is set; OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn it off', () => {
  assert.equal(tracingConfigOf({}), null);
  assert.equal(tracingConfigOf({ OTEL_SERVICE_NAME: 'x' }), null);
  assert.equal(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' }), null);
  assert.equal(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), null);
  // An empty variable is unset (the environment reader drops it).
  assert.deepEqual(readEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'svc', PATH: '/bin' }).otel, { OTEL_SERVICE_NAME: 'svc' });
});

void test('defaults and the specification’s endpoint rules', () => {
  const c = tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
  assert.deepEqual(c, {
    url: 'http://collector:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 10_000,
    serviceName: 'sluice',
    resourceAttributes: {},
    sampler: { kind: 'always_on', ratio: 1, parentBased: true },
    batchDelayMs: 5_000,
  });
  assert.ok(Object.isFrozen(c));
  assert.equal(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/otlp/' })?.url, 'https://c/otlp/v1/traces');
  // The signal-specific endpoint is used as is, and wins.
  assert.equal(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom' })?.url, 'http://b:9999/custom');
});

void test('headers, resource attributes, service name, protocol, timeouts and sampler', () => {
  const c = tracingConfigOf({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/t',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-a=1',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-a=2',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment.name=prod',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
  });
  assert.deepEqual(c?.headers, { authorization: 'Bearer abc', 'x-a': '2' });
  assert.equal(c?.serviceName, 'from-attrs');
  assert.equal(c?.resourceAttributes['deployment.environment.name'], 'prod');
  assert.equal(c?.protocol, 'http/json', 'the traces variable wins over the general one');
  assert.equal(c?.timeoutMs, 3000);
  assert.deepEqual(c?.sampler, { kind: 'traceidratio', ratio: 0.25, parentBased: false });
  assert.equal(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' })?.serviceName, 'svc');
});

void test('bad values are refused with the variable named', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported.*http\/protobuf/],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' }, /OTEL_EXPORTER_OTLP_PROTOCOL=udp is not an OTLP protocol/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318: OTLP\/HTTP needs an http/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_ENDPOINT=not a url is not a URL/],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /OTEL_EXPORTER_OTLP_HEADERS: "novalue" is not key=value/],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' }, /OTEL_RESOURCE_ATTRIBUTES: the value of a is not percent-encoded/],
    [{ OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, /OTEL_EXPORTER_OTLP_TIMEOUT=-1 is not a positive number/],
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER=jaeger_remote is not supported/],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, /OTEL_TRACES_SAMPLER_ARG=2 is not a ratio/],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER=zipkin is not supported/],
    [{ OTEL_BSP_SCHEDULE_DELAY: 'soon' }, /OTEL_BSP_SCHEDULE_DELAY=soon/],
  ];
  for (const [vars, message] of bad) assert.throws(() => tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', ...vars }), message, JSON.stringify(vars));
});

void test('trace ids: a run id’s hex, the same on every server; traceparent round trip and malformed headers ignored', () => {
  assert.equal(traceIdOfRun('0b6e2a4c-1d2f-4e5a-9b8c-7d6e5f4a3b2c'), '0b6e2a4c1d2f4e5a9b8c7d6e5f4a3b2c');
  assert.match(traceIdOfRun('not-a-uuid'), /^[0-9a-f]{32}$/);
  assert.equal(traceIdOfRun('not-a-uuid'), traceIdOfRun('not-a-uuid'));
  const ids = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true };
  assert.deepEqual(parseTraceparent(formatTraceparent(ids)), ids);
  assert.deepEqual(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future'), { ...ids, sampled: false });
  for (const bad of ['', 'x', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'])
    assert.equal(parseTraceparent(bad), null, bad);
});
