// Collects a run's log lines and writes them to the store in batches: one insert per
// 100 ms instead of one per line keeps a step that prints megabytes from stalling the engine.
// Each step keeps at most stepMaxBytes of output (and maxLinesPerStep lines); what follows is
// dropped, counted, and noted where the output was cut.
import type { NewLogLine, Store } from '../store/store.ts';
import { formatSize } from '../spec/size.ts';
import { defaultRunLogPolicy } from './run-log-policy.ts';

const flushEveryMs = 100;
/** A step may keep at most this many lines (many tiny lines cost rows even under the byte cap). */
const maxLinesPerStep = 200_000;

interface StepCount {
  lines: number;
  bytes: number;
  droppedLines: number;
  droppedBytes: number;
}

export class LogSink {
  private buffer: NewLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly perStep = new Map<string, StepCount>();
  private readonly store: Store;
  private readonly runId: string;
  private readonly onError: (error: unknown) => void;
  private readonly redact: (line: string) => string;
  private readonly stepMaxBytes: number;

  constructor(store: Store, runId: string, onError: (error: unknown) => void, redact: (line: string) => string = (l) => l, opts: { stepMaxBytes?: number } = {}) {
    this.store = store;
    this.runId = runId;
    this.onError = onError;
    this.redact = redact;
    this.stepMaxBytes = opts.stepMaxBytes ?? defaultRunLogPolicy.stepMaxBytes;
  }

  line(stepId: string | null, stream: string, line: string, at: Date = new Date()): void {
    const count = stepId ? (this.perStep.get(stepId) ?? { lines: 0, bytes: 0, droppedLines: 0, droppedBytes: 0 }) : null;
    if (count?.droppedLines) {
      // Past the cut: only counted (not redacted, it is never stored).
      count.droppedLines++;
      count.droppedBytes += Buffer.byteLength(line);
      return;
    }
    // Redacted before it is stored or streamed: a secret never reaches the database.
    const text = this.redact(line);
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
    this.push(stepId, stream, text, at);
  }

  /** Notes, after the step's last kept line, how much output was cut (call when the step ends). */
  endStep(stepId: string): void {
    const count = this.perStep.get(stepId);
    if (!count?.droppedLines) return;
    const limit = count.lines + 1 > maxLinesPerStep ? `${maxLinesPerStep} lines` : formatSize(this.stepMaxBytes);
    this.push(stepId, 'system', `… output cut at ${limit} (${count.droppedBytes} bytes in ${count.droppedLines} lines dropped)`, new Date());
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) {
      this.writing = this.writing.then(() => this.store.appendLogs(batch)).catch(this.onError);
    }
    return this.writing;
  }

  private push(stepId: string | null, stream: string, line: string, at: Date): void {
    this.buffer.push({ runId: this.runId, stepId, at: at.toISOString(), stream, line });
    this.timer ??= setTimeout(() => void this.flush(), flushEveryMs);
  }
}
