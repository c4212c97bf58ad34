// The JSON of one log entry, as `GET …/logs`, SSE `line` events and `sluice logs --json` give it:
// the contract's {at, stream, service, instance, release, line} (../shared/DESIGN.md) and the
// rest of the entry. The earlier run-log shape {id, runId, stepId, at, stream, line} is a subset.
import type { LogEntry } from '../logs/log-store.ts';

/** The entry with its text under the contract's name, `line`. */
export type LogEntryView = Omit<LogEntry, 'text'> & { line: string };

export function logEntryView(e: LogEntry): LogEntryView {
  return {
    id: e.id,
    at: e.at,
    source: e.source,
    project: e.project,
    environment: e.environment,
    release: e.release,
    runId: e.runId,
    stepId: e.stepId,
    service: e.service,
    instance: e.instance,
    stream: e.stream,
    level: e.level,
    line: e.text,
  };
}
