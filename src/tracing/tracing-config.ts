// The standard OpenTelemetry variables → a typed, frozen tracing configuration, or null when
// tracing is off. Pure: the variables come from src/config/environment.ts. Names and defaults
// follow the OpenTelemetry specification (SDK environment variables, OTLP exporter configuration).
import { InvalidInputError } from '../errors.ts';

export const OtlpProtocol = { protobuf: 'http/protobuf', json: 'http/json' } as const;
export type OtlpProtocol = (typeof OtlpProtocol)[keyof typeof OtlpProtocol];

export const SamplerKind = { alwaysOn: 'always_on', alwaysOff: 'always_off', traceIdRatio: 'traceidratio' } as const;
export type SamplerKind = (typeof SamplerKind)[keyof typeof SamplerKind];

export interface SamplerConfig {
  kind: SamplerKind;
  /** For traceidratio: the share of traces kept, 0…1. */
  ratio: number;
  /** parentbased_*: a span with a parent (an incoming traceparent) follows the parent's decision. */
  parentBased: boolean;
}

export interface TracingConfig {
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  protocol: OtlpProtocol;
  headers: Readonly<Record<string, string>>;
  /** One export's deadline. */
  timeoutMs: number;
  serviceName: string;
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: SamplerConfig;
  /** OTEL_BSP_SCHEDULE_DELAY: how long ended spans wait to be sent together (default 5 s). */
  batchDelayMs: number;
}

const defaultTimeoutMs = 10_000;
const defaultBatchDelayMs = 5_000;
const samplerNames = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** The tracing configuration the variables ask for; null when tracing is off (no endpoint, or disabled). */
export function tracingConfigOf(vars: Readonly<Record<string, string>>): TracingConfig | null {
  const get = (name: string): string | undefined => vars[name]?.trim() || undefined;
  if (get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  const exporters = get('OTEL_TRACES_EXPORTER')?.split(',').map((e) => e.trim().toLowerCase());
  if (exporters?.includes('none')) return null;
  if (exporters && !exporters.includes('otlp')) throw new InvalidInputError(`OTEL_TRACES_EXPORTER=${exporters.join(',')} is not supported: Sluice exports traces over OTLP only (otlp, or none to turn tracing off)`);
  const tracesEndpoint = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (tracesEndpoint === undefined && endpoint === undefined) return null;
  const url = tracesEndpoint !== undefined ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint).href : signalUrl(httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint!));
  const protocolVar = get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  return Object.freeze({
    url,
    protocol: protocolOf(protocolVar, get(protocolVar)),
    headers: Object.freeze({ ...pairs('OTEL_EXPORTER_OTLP_HEADERS', get('OTEL_EXPORTER_OTLP_HEADERS')), ...pairs('OTEL_EXPORTER_OTLP_TRACES_HEADERS', get('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) }),
    timeoutMs: millisecondsOf('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', get('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'), null) ?? millisecondsOf('OTEL_EXPORTER_OTLP_TIMEOUT', get('OTEL_EXPORTER_OTLP_TIMEOUT'), defaultTimeoutMs),
    serviceName: get('OTEL_SERVICE_NAME') ?? pairs('OTEL_RESOURCE_ATTRIBUTES', get('OTEL_RESOURCE_ATTRIBUTES'))['service.name'] ?? 'sluice',
    resourceAttributes: Object.freeze(pairs('OTEL_RESOURCE_ATTRIBUTES', get('OTEL_RESOURCE_ATTRIBUTES'))),
    sampler: Object.freeze(samplerOf(get('OTEL_TRACES_SAMPLER'), get('OTEL_TRACES_SAMPLER_ARG'))),
    batchDelayMs: millisecondsOf('OTEL_BSP_SCHEDULE_DELAY', get('OTEL_BSP_SCHEDULE_DELAY'), defaultBatchDelayMs),
  });
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`${name}=${value} is not a URL (expected e.g. http://127.0.0.1:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError(`${name}=${value}: OTLP/HTTP needs an http:// or https:// URL`);
  return url;
}

/** The specification: the base endpoint's path gets `v1/traces` appended (one slash between). */
function signalUrl(base: URL): string {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.href;
}

function protocolOf(name: string, value: string | undefined): OtlpProtocol {
  if (value === undefined || value === OtlpProtocol.protobuf) return OtlpProtocol.protobuf;
  if (value === OtlpProtocol.json) return OtlpProtocol.json;
  if (value === 'grpc') throw new InvalidInputError(`${name}=grpc is not supported: Sluice exports traces over OTLP/HTTP only; set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf (or http/json) and the collector's HTTP port (4318)`);
  throw new InvalidInputError(`${name}=${value} is not an OTLP protocol (http/protobuf or http/json)`);
}

/** `key=value,key2=value2`, values percent-decoded (the W3C Baggage format the specification names). */
function pairs(name: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const item of value.split(',')) {
    if (!item.trim()) continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    if (!key) throw new InvalidInputError(`${name}: "${item.trim()}" is not key=value`);
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new InvalidInputError(`${name}: the value of ${key} is not percent-encoded correctly`);
    }
  }
  return out;
}

function millisecondsOf<D extends number | null>(name: string, value: string | undefined, fallback: D): number | D {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new InvalidInputError(`${name}=${value} is not a positive number of milliseconds`);
  return ms;
}

function samplerOf(name: string | undefined, arg: string | undefined): SamplerConfig {
  const value = name?.toLowerCase() ?? 'parentbased_always_on';
  if (!samplerNames.includes(value)) throw new InvalidInputError(`OTEL_TRACES_SAMPLER=${name} is not supported (${samplerNames.join(', ')})`);
  const parentBased = value.startsWith('parentbased_');
  const kind = value.replace(/^parentbased_/, '') as SamplerKind;
  let ratio = 1;
  if (kind === SamplerKind.traceIdRatio && arg !== undefined) {
    ratio = Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new InvalidInputError(`OTEL_TRACES_SAMPLER_ARG=${arg} is not a ratio between 0 and 1`);
  }
  return { kind, ratio, parentBased };
}
