// The tracing port: what the engine and the API tell a tracer. The engine never imports
// OpenTelemetry; `noopTracing` is used when tracing is off (the default) and costs nothing, and
// src/tracing/otel implements the port, loaded only when OTEL_EXPORTER_OTLP_*ENDPOINT is set.
//
// Spans are described with the times the store records, so a run resumed by another server (a
// lease takeover, a restart) still ends as ONE trace: its trace id and the run span's id are
// derived from the run id (docs/decisions/0026-opentelemetry-traces.md).
import type { Run, Stage, Step } from '../store/records.ts';

/** How a stage or step ended, as stored (`interrupted`: this server stopped; another attempt follows). */
export interface SpanEnd {
  state: string;
  reason: string | null;
  finishedAt: Date;
}

export interface StepSpan {
  /** The W3C `traceparent` naming this step's span, given to the step as TRACEPARENT; null when off. */
  readonly traceparent: string | null;
  end(end: SpanEnd & { exitCode: number | null }): void;
}

export interface StageSpan {
  step(step: Pick<Step, 'id' | 'name' | 'idx'>, startedAt: Date): StepSpan;
  end(end: SpanEnd): void;
}

export interface RunTrace {
  stage(stage: Pick<Stage, 'id' | 'name' | 'kind' | 'environment'>, startedAt: Date): StageSpan;
  /** The run ended for good (not `waiting`, not handed back): its span is sent, from its creation to `finishedAt`. */
  end(end: SpanEnd): void;
}

/** One API request, described once its response is sent. */
export interface RequestSpan {
  method: string;
  /** The route's pattern (`/api/runs/:id`), or null when no route matched. */
  route: string | null;
  path: string;
  status: number;
  startedAt: Date;
  finishedAt: Date;
  /** The request's `traceparent` header, if any: the span joins that trace. */
  traceparent: string | null;
}

export interface Tracing {
  /** False for the no-op tracer: callers skip work (hooks, header reads) that only tracing needs. */
  readonly enabled: boolean;
  run(run: Run, projectName: string): RunTrace;
  request(span: RequestSpan): void;
  /** Sends what is buffered, waiting at most `timeoutMs`; an unreachable collector never holds the caller longer. */
  shutdown(timeoutMs: number): Promise<void>;
}

const noopStep: StepSpan = { traceparent: null, end: () => {} };
/** The span of no stage: what a run context holds until its first stage starts, and always when tracing is off. */
export const noopStageSpan: StageSpan = { step: () => noopStep, end: () => {} };
const noopRun: RunTrace = { stage: () => noopStageSpan, end: () => {} };

/** Tracing off: every call returns a shared constant; nothing is allocated or loaded. */
export const noopTracing: Tracing = {
  enabled: false,
  run: () => noopRun,
  request: () => {},
  shutdown: async () => {},
};

/** A run that ends without an executor (cancelled while queued or waiting, rejected, failed by recovery) still sends its run span. */
export function traceRunEnded(tracing: Tracing | undefined, run: Run, end: SpanEnd): void {
  if (tracing?.enabled) tracing.run(run, run.project).end(end);
}
