// Collects a run's log lines and writes them to the store in batches: one insert per
// 100 ms instead of one per line keeps a step that prints megabytes from stalling the engine.
import type { Store } from '../store/store.ts';
import type { NewLogLine } from '../store/store.ts';

const flushEveryMs = 100;
/** A step may keep at most this many lines; the rest are counted, not stored. */
const maxLinesPerStep = 200_000;

export class LogSink {
  private buffer: NewLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly perStep = new Map<string, number>();

  private readonly store: Store;
  private readonly runId: string;
  private readonly onError: (error: unknown) => void;
  private readonly redact: (line: string) => string;

  constructor(
    store: Store,
    runId: string,
    onError: (error: unknown) => void,
    redact: (line: string) => string = (l) => l,
  ) {
    this.store = store;
    this.runId = runId;
    this.onError = onError;
    this.redact = redact;
  }

  line(stepId: string | null, stream: string, line: string, at: Date = new Date()): void {
    if (stepId) {
      const n = (this.perStep.get(stepId) ?? 0) + 1;
      this.perStep.set(stepId, n);
      if (n > maxLinesPerStep) return;
    }
    // Redacted before it is stored or streamed: a secret never reaches the database.
    this.buffer.push({ runId: this.runId, stepId, at: at.toISOString(), stream, line: this.redact(line) });
    this.timer ??= setTimeout(() => void this.flush(), flushEveryMs);
  }

  /** Notes how many lines a step printed beyond the limit (call when the step ends). */
  endStep(stepId: string): void {
    const n = this.perStep.get(stepId) ?? 0;
    if (n > maxLinesPerStep) this.line(null, 'system', `[${n - maxLinesPerStep} more lines of output were not kept: a step keeps at most ${maxLinesPerStep} lines]`);
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
}
