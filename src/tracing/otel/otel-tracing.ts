// The tracing port over the OpenTelemetry SDK, exporting over OTLP/HTTP. Loaded (with the SDK)
// only when tracing is on: src/tracing/open-tracing.ts imports this module lazily.
//
// Stage and step spans live while they run (a step's TRACEPARENT names its span before it
// starts); the run span is sent when the run ends, with the run's recorded creation time and the
// ids every server derives from the run id, so stages run by different servers share a parent.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type IdGenerator,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { RequestSpan, RunTrace, SpanEnd, StageSpan, StepSpan, Tracing } from '../../engine/tracing.ts';
import type { Run } from '../../store/records.ts';
import { SamplerKind, OtlpProtocol, type SamplerConfig, type TracingConfig } from '../tracing-config.ts';
import { formatTraceparent, parseTraceparent, runSpanIdOf, traceIdOfRun } from '../trace-ids.ts';
import { pipelineResultOf, stageAttributes } from './span-attributes.ts';

export interface OtelTracingOptions {
  config: TracingConfig;
  /** Resource attributes Sluice adds (service.version, host.name, service.instance.id); the variables' win. */
  resource: Record<string, string>;
  /** An export that failed (the collector is down, refused the spans): said at most once a minute. */
  warn: (message: string) => void;
}

/**
 * Ids from the SDK's random generator, except for the one span being started right now by
 * `withIds` (the run span, whose ids come from the run id).
 */
class PresetIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  next: { traceId: string; spanId: string } | null = null;
  generateTraceId(): string {
    return this.next?.traceId ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.next?.spanId ?? this.random.generateSpanId();
  }
}

function rootSamplerOf(config: SamplerConfig): Sampler {
  if (config.kind === SamplerKind.alwaysOff) return new AlwaysOffSampler();
  if (config.kind === SamplerKind.traceIdRatio) return new TraceIdRatioBasedSampler(config.ratio);
  return new AlwaysOnSampler();
}

async function exporterOf(config: TracingConfig): Promise<SpanExporter> {
  const options = { url: config.url, headers: { ...config.headers }, timeoutMillis: config.timeoutMs };
  if (config.protocol === OtlpProtocol.json) return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}

/** Reports failed exports to the server's log (the SDK's own diagnostics are silent by default), at most once a minute. */
function warningExporter(inner: SpanExporter, warn: (message: string) => void, url: string): SpanExporter {
  let lastWarning = 0;
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          const now = Date.now();
          if (now - lastWarning > 60_000) {
            lastWarning = now;
            warn(`tracing: ${spans.length} span(s) not exported to ${url}: ${result.error?.message ?? 'failed'}`);
          }
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export async function createOtelTracing(opts: OtelTracingOptions): Promise<Tracing> {
  const { config } = opts;
  const ids = new PresetIds();
  const root = rootSamplerOf(config.sampler);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...opts.resource, ...config.resourceAttributes, 'service.name': config.serviceName }),
    sampler: config.sampler.parentBased ? new ParentBasedSampler({ root }) : root,
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter: warningExporter(await exporterOf(config), opts.warn, config.url), scheduledDelayMillis: config.batchDelayMs })],
  });
  const tracer = provider.getTracer('sluice');

  /** The run's trace is kept or dropped as a whole: the root sampler decides once, on the trace id. */
  const sampledTrace = (traceId: string): boolean => root.shouldSample(ROOT_CONTEXT, traceId, 'run', SpanKind.INTERNAL, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;
  const parentContext = (traceId: string, spanId: string, sampled: boolean): Context =>
    trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
  const finish = (span: Span, end: SpanEnd, failed: boolean): void => {
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, ...(end.reason ? { message: end.reason } : {}) });
    span.end(end.finishedAt);
  };

  return {
    enabled: true,
    run(run: Run, projectName: string): RunTrace {
      const traceId = traceIdOfRun(run.id);
      const runSpanId = runSpanIdOf(run.id);
      const sampled = sampledTrace(traceId);
      const runContext = parentContext(traceId, runSpanId, sampled);
      return {
        stage(stage, startedAt): StageSpan {
          const span = tracer.startSpan(`stage ${stage.name}`, { startTime: startedAt, attributes: stageAttributes(stage) }, runContext);
          const stageContext = trace.setSpan(ROOT_CONTEXT, span);
          return {
            step(step, stepStartedAt): StepSpan {
              const stepSpan = tracer.startSpan(`step ${step.name}`, { startTime: stepStartedAt, attributes: { 'sluice.step': step.name, 'sluice.step.index': step.idx, 'cicd.pipeline.task.run.id': step.id } }, stageContext);
              const ctx = stepSpan.spanContext();
              return {
                traceparent: formatTraceparent({ traceId: ctx.traceId, spanId: ctx.spanId, sampled: (ctx.traceFlags & TraceFlags.SAMPLED) !== 0 }),
                end(end) {
                  stepSpan.setAttributes({ 'sluice.step.state': end.state, ...(end.exitCode === null ? {} : { 'process.exit.code': end.exitCode }), ...(end.reason ? { 'sluice.step.reason': end.reason } : {}) });
                  finish(stepSpan, end, end.state === 'failed');
                },
              };
            },
            end(end) {
              span.setAttributes({ 'sluice.stage.state': end.state, 'cicd.pipeline.task.run.result': pipelineResultOf(end.state) });
              finish(span, end, end.state === 'failed');
            },
          };
        },
        end(end: SpanEnd): void {
          const attributes: Attributes = {
            'cicd.pipeline.name': projectName,
            'cicd.pipeline.run.id': run.id,
            'cicd.pipeline.result': pipelineResultOf(end.state),
            'vcs.ref.head.revision': run.commitSha,
            'vcs.ref.head.name': run.branch,
            'sluice.project': projectName,
            'sluice.run.number': run.number,
            'sluice.run.state': end.state,
            'sluice.run.trigger': run.trigger,
            ...(run.preview !== null ? { 'sluice.run.preview': run.preview } : {}),
          };
          ids.next = { traceId, spanId: runSpanId };
          let span: Span;
          try {
            span = tracer.startSpan(`run ${projectName}`, { root: true, startTime: new Date(run.createdAt), attributes }, ROOT_CONTEXT);
          } finally {
            ids.next = null;
          }
          finish(span, end, end.state === 'failed');
        },
      };
    },
    request(r: RequestSpan): void {
      const parent = parseTraceparent(r.traceparent);
      const context = parent ? parentContext(parent.traceId, parent.spanId, parent.sampled) : ROOT_CONTEXT;
      const attributes: Attributes = {
        'http.request.method': r.method,
        'url.path': r.path,
        'url.scheme': 'http',
        'http.response.status_code': r.status,
        ...(r.route !== null ? { 'http.route': r.route } : {}),
      };
      const span = tracer.startSpan(r.route !== null ? `${r.method} ${r.route}` : r.method, { kind: SpanKind.SERVER, startTime: r.startedAt, attributes }, context);
      // A server span is an error only for a 5xx: a 4xx is the client's (semantic conventions, HTTP spans).
      if (r.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(r.finishedAt);
    },
    async shutdown(timeoutMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => {}), deadline]);
      clearTimeout(timer);
    },
  };
}
