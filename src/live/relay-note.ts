// What servers sharing a store tell each other through a relay (change-relay.ts): a change their
// feed published, or a reset when they could not send some. JSON, validated when read: anything
// that can connect to the database can send on the channel.
import { z } from 'zod';
import { liveChangeSchema } from '../api/schemas/live-schemas.ts';

export const relayNoteSchema = z.discriminatedUnion('type', [
  /** `boot`: the sender's feed (ChangeFeed.boot): a server drops its own notes. */
  z.object({ type: z.literal('change'), boot: z.string(), change: liveChangeSchema }),
  z.object({ type: z.literal('reset'), boot: z.string(), reason: z.string() }),
]);
export type RelayNote = z.output<typeof relayNoteSchema>;

/** Smaller forms of a note, each still making the pages that show the change re-read it. */
function* smaller(note: RelayNote): Generator<RelayNote> {
  yield note;
  if (note.type !== 'change') return;
  const c = note.change;
  // An event's summary is free text, and no page shows it from the stream (they re-read events).
  if (c.kind === 'event') yield { ...note, change: { ...c, event: { ...c.event, summary: '' } } };
  // Still too large (names at their limits): the project as a whole, which its pages re-read.
  yield { ...note, change: { kind: 'project', project: c.project, seq: c.seq, at: c.at } };
}

/** The note as JSON of at most `maxBytes` bytes (UTF-8), shrunk when needed; null when it cannot be. */
export function encodeNote(note: RelayNote, maxBytes: number): string | null {
  for (const candidate of smaller(note)) {
    const text = JSON.stringify(candidate);
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  return null;
}

/** A received payload, or why it is not a note. */
export function decodeNote(payload: string): { note: RelayNote } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = relayNoteSchema.safeParse(json);
  if (!parsed.success) return { problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(note)'}: ${i.message}`).join('; ') };
  return { note: parsed.data };
}
