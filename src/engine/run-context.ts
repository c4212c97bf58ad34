// What one stage of one run works with. Built by the executor for each claimed run.
import type { EventLog } from '../events/event-log.ts';
import path from 'node:path';
import type { Artifacts } from '../artifact/artifacts.ts';
import type { Runner } from '../runner/runner.ts';
import type { Source } from '../source/source.ts';
import type { Spec } from '../spec/spec.ts';
import type { Project, Run, Stage } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { EngineConfig } from './engine-config.ts';
import type { LogSink } from './log-sink.ts';
import type { RunLogs } from '../logs/log-writer.ts';
import type { Deployer } from './deploy/deployer.ts';
import type { StageResult } from './stage-result.ts';
import type { SecretService } from './secrets/secret-service.ts';
import type { RunTrace, StageSpan, Tracing } from './tracing.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { FlagFile } from '../flags/flag-file.ts';
import type { ImagePublisher } from '../image/image-publisher.ts';

export interface EngineDeps {
  store: Store;
  runner: Runner;
  artifacts: Artifacts;
  /** Builds and pushes `image:` projects' OCI images (--registry); absent: their build fails, naming the option. */
  images?: ImagePublisher;
  sourceOf: (project: Project) => Source;
  deployer: Deployer;
  clock: Clock;
  config: EngineConfig;
  secrets: SecretService;
  /** Where run output and deploy events go (the log store, through its batching writer). */
  logs: RunLogs;
  /** Masks secret values in a log line (every stored line passes through it). */
  redact: (line: string) => string;
  /** Told when a run starts and ends (commit statuses on the git host). */
  onRunState?: (run: Run, state: string, reason: string | null) => void;
  /** Spans of runs, stages and steps; absent: noopTracing (tracing off). */
  tracing?: Tracing;
  /** Where stage durations, lease takeovers and webhooks are counted; absent: nowhere. */
  metrics?: Metrics;
  /** Where platform events are recorded (notifications, DORA); absent: nowhere. */
  eventLog?: EventLog;
}

export interface RunContext {
  deps: EngineDeps;
  run: Run;
  project: Project;
  /** null until the checkout stage has read the pipeline file. */
  spec: Spec | null;
  /** The flag file `flags:` names, read and checked by the checkout stage; undefined: none. */
  flags?: { fileName: string; file: FlagFile };
  sink: LogSink;
  signal: AbortSignal;
  workspace: string;
  trace: RunTrace;
  /** The span of the stage being executed (set by the executor before each stage): steps are its children. */
  stageSpan: StageSpan;
}

export type { StageResult } from './stage-result.ts';

export type StageImpl = (ctx: RunContext, stage: Stage) => Promise<StageResult>;

export function workspaceOf(config: EngineConfig, runId: string): string {
  return path.join(config.dataDir, 'workspaces', runId);
}

export function requireSpec(ctx: RunContext): Spec {
  if (!ctx.spec) throw new Error(`run ${ctx.run.id} has no pipeline file loaded`);
  return ctx.spec;
}
