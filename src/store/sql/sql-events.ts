// Platform events in SQL: one row per event, JSON columns for the commit and the facts, checked
// on the way out like every stored JSON.
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { ConflictError } from '../../errors.ts';
import { eventCommitSchema, platformEventSchema, type EventFilter, type PlatformEvent } from '../../events/platform-event.ts';
import { parseStored } from '../stored-json.ts';
import type { Database, EventRow } from './database.ts';
import { isUniqueViolation } from './is-unique-violation.ts';

type NewEventRow = Omit<EventRow, 'seq'>;

function toRow(e: Omit<PlatformEvent, 'seq'>): NewEventRow {
  return {
    id: e.id,
    kind: e.kind,
    at: e.at,
    project: e.project,
    environment: e.environment,
    release: e.release,
    runId: e.run?.id ?? null,
    runNumber: e.run?.number ?? null,
    commitJson: e.commit ? JSON.stringify(e.commit) : null,
    cause: e.cause,
    summary: e.summary,
    factsJson: JSON.stringify(e.facts),
  };
}

function fromRow(r: Selectable<EventRow>): PlatformEvent {
  const record = `event ${r.id}`;
  return platformEventSchema.parse({
    seq: Number(r.seq),
    id: r.id,
    kind: r.kind,
    at: r.at,
    project: r.project,
    environment: r.environment,
    release: r.release === null ? null : Number(r.release),
    run: r.runId === null ? null : { id: r.runId, number: Number(r.runNumber) },
    commit: r.commitJson === null ? null : parseStored(eventCommitSchema, r.commitJson, record),
    cause: r.cause,
    summary: r.summary,
    facts: parseStored(z.record(z.string(), z.unknown()), r.factsJson, record),
  });
}

export async function appendEventRow(db: Kysely<Database>, event: Omit<PlatformEvent, 'seq'>): Promise<PlatformEvent> {
  try {
    const row = await db.insertInto('events').values(toRow(event)).returningAll().executeTakeFirstOrThrow();
    return fromRow(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`event ${event.id} is already recorded`, { id: event.id });
    throw error;
  }
}

export async function listEventRows(db: Kysely<Database>, filter: EventFilter): Promise<PlatformEvent[]> {
  let q = db.selectFrom('events').selectAll();
  if (filter.project !== undefined) q = q.where('project', '=', filter.project);
  if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
  if (filter.kinds !== undefined) {
    if (filter.kinds.length === 0) return [];
    q = q.where('kind', 'in', [...filter.kinds]);
  }
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  return (await q.orderBy('seq').limit(filter.limit).execute()).map(fromRow);
}
