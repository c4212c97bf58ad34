// A record of the router's access spool (src/dataplane/access-log-spool.ts) as a log entry:
// source router, stream access, the level from the status (5xx error, 4xx warn, else info),
// scope from the file (PROJECT.ENV) and the instance that answered.
import { z } from 'zod';
import { entryText } from './log-entry.ts';
import { instanceScope } from './instance-scope.ts';
import type { LogLevel, NewLogEntry } from './log-store.ts';

const recordSchema = z.object({
  ts: z.string(),
  stream: z.literal('access'),
  line: z.string(),
  status: z.number().int(),
  service: z.string().nullable(),
  instance: z.string().nullable(),
});

export function accessLevel(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** `fileId`: PROJECT.ENV. A record that does not parse is dropped (nothing else writes these files). */
export function accessEntryOf(raw: string, fileId: string, fallbackAt: string): NewLogEntry | null {
  if (raw === '') return null;
  let record: z.infer<typeof recordSchema>;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    record = parsed.data;
  } catch {
    return null;
  }
  const [project = fileId, environment = null] = fileId.split('.');
  const ms = Date.parse(record.ts);
  return {
    at: Number.isNaN(ms) ? fallbackAt : new Date(ms).toISOString(),
    source: 'router',
    project,
    environment,
    release: record.instance === null ? null : instanceScope(record.instance).release,
    runId: null,
    stepId: null,
    service: record.service,
    instance: record.instance,
    stream: 'access',
    level: accessLevel(record.status),
    text: entryText(record.line),
  };
}
