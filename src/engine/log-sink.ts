// Collects a run's log lines and hands them to the log store's writer (src/logs/log-writer.ts),
// which batches them off the engine's path: a step that prints megabytes never waits on I/O.
// Each step keeps at most stepMaxBytes of output (and maxLinesPerStep lines); what follows is
// dropped, counted, and noted where the output was cut.
import type { LogWriter } from '../logs/log-writer.ts';
import type { LogSource, LogStream } from '../logs/log-store.ts';
import { entryText, parseStructured } from '../logs/log-entry.ts';
import { formatSize } from '../spec/size.ts';
import { defaultRunLogPolicy } from './run-log-policy.ts';

/** A step may keep at most this many lines (many tiny lines cost rows even under the byte cap). */
const maxLinesPerStep = 200_000;

interface StepCount {
  lines: number;
  bytes: number;
  droppedLines: number;
  droppedBytes: number;
}

/** Where a line belongs beyond its run: a deploy's lines carry their environment and release. */
export interface LineScope {
  source: LogSource;
  environment: string | null;
  release: number | null;
}

const runScope: LineScope = { source: 'step', environment: null, release: null };

/** stdout and stderr as they are; Sluice's own lines (`system` until the log store) are events. */
function streamOf(stream: string): LogStream {
  return stream === 'stdout' || stream === 'stderr' ? stream : 'event';
}

export class LogSink {
  private readonly perStep = new Map<string, StepCount>();
  private readonly logs: LogWriter;
  private readonly run: { id: string; project: string };
  private readonly redact: (line: string) => string;
  private readonly stepMaxBytes: number;

  constructor(logs: LogWriter, run: { id: string; project: string }, redact: (line: string) => string = (l) => l, opts: { stepMaxBytes?: number } = {}) {
    this.logs = logs;
    this.run = run;
    this.redact = redact;
    this.stepMaxBytes = opts.stepMaxBytes ?? defaultRunLogPolicy.stepMaxBytes;
  }

  line(stepId: string | null, stream: string, line: string, at: Date = new Date(), scope: LineScope = runScope): void {
    const count = stepId ? (this.perStep.get(stepId) ?? { lines: 0, bytes: 0, droppedLines: 0, droppedBytes: 0 }) : null;
    if (count?.droppedLines) {
      // Past the cut: only counted (not redacted, it is never stored).
      count.droppedLines++;
      count.droppedBytes += Buffer.byteLength(line);
      return;
    }
    // Redacted before it is stored or streamed: a secret never reaches the database.
    const text = entryText(this.redact(line));
    if (stepId && count) {
      this.perStep.set(stepId, count);
      const bytes = Buffer.byteLength(text);
      if (count.bytes + bytes > this.stepMaxBytes || count.lines + 1 > maxLinesPerStep) {
        count.droppedLines++;
        count.droppedBytes += bytes;
        return;
      }
      count.lines++;
      count.bytes += bytes;
    }
    this.push(stepId, stream, text, at, scope);
  }

  /** A deploy or rollout event of this run's deploy to an environment. */
  deployEvent(environment: string, release: number | null, line: string): void {
    this.line(null, 'event', line, new Date(), { source: 'deploy', environment, release });
  }

  /** Notes, after the step's last kept line, how much output was cut (call when the step ends). */
  endStep(stepId: string): void {
    const count = this.perStep.get(stepId);
    if (!count?.droppedLines) return;
    const limit = count.lines + 1 > maxLinesPerStep ? `${maxLinesPerStep} lines` : formatSize(this.stepMaxBytes);
    this.push(stepId, 'event', `… output cut at ${limit} (${count.droppedBytes} bytes in ${count.droppedLines} lines dropped)`, new Date(), runScope);
  }

  /** Resolves once every line so far is stored (or the log store gave up on it; it says so itself). */
  flush(): Promise<void> {
    return this.logs.flush();
  }

  private push(stepId: string | null, stream: string, text: string, at: Date, scope: LineScope): void {
    this.logs.add({
      at: at.toISOString(),
      source: scope.source,
      project: this.run.project,
      environment: scope.environment,
      release: scope.release,
      runId: this.run.id,
      stepId,
      service: null,
      instance: null,
      stream: streamOf(stream),
      level: parseStructured(text).level,
      text,
    });
  }
}
