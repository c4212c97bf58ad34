// Reads instance log files (JSON lines written by the supervisor, rotated as ID.log, ID.log.1, …),
// merged in time order. Reads start from the end of a file and are bounded: a log of any size
// costs the lines asked for, never the whole file.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readLinesBackward } from '../fs/read-lines-backward.ts';
import { logFilesOf } from '../runtime/process/log-files.ts';

export interface InstanceLogLine {
  at: string;
  instance: string;
  stream: string;
  line: string;
}

/** Where following an instance's log has got to: the file (by inode, it may be rotated away) and the offset in it. */
export interface FollowPosition {
  ino: number;
  offset: number;
}
export type FollowCursor = Map<string, FollowPosition>;

const recordSchema = z.object({ ts: z.string(), stream: z.string(), line: z.string() });
/** Bytes read from one file per poll when following, so a burst cannot fill memory. */
const maxBytesPerPoll = 4 * 1024 * 1024;
const chunkBytes = 64 * 1024;
/** Bytes of lines a tail collects at most (split among the instances), whatever `limit` asks: lines may be 100 KiB each. */
const maxTailBytes = 16 * 1024 * 1024;

function parseRecord(raw: string, instance: string): InstanceLogLine | null {
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { at: '', instance, stream: 'stdout', line: raw };
  }
  const r = recordSchema.safeParse(json);
  return r.success ? { at: r.data.ts, instance, stream: r.data.stream, line: r.data.line } : { at: '', instance, stream: 'stdout', line: raw };
}

function instanceOf(file: string): string {
  return path.basename(file, '.log');
}

function byTime(a: InstanceLogLine, b: InstanceLogLine): number {
  return a.at.localeCompare(b.at);
}

/**
 * The newest `limit` lines of these instance logs (active files; their rotated files are read
 * too), oldest first. Fills `cursor` with the end of each active file, for following on.
 */
export async function tailLines(files: string[], limit: number, cursor: FollowCursor = new Map()): Promise<InstanceLogLine[]> {
  const all: InstanceLogLine[] = [];
  const budget = Math.max(1024 * 1024, Math.floor(maxTailBytes / Math.max(1, files.length)));
  for (const file of files) {
    let bytes = 0;
    const instance = instanceOf(file);
    const st = await stat(file).catch(() => null);
    cursor.set(file, { ino: st?.ino ?? -1, offset: 0 });
    const newestFirst: InstanceLogLine[] = [];
    let first = true;
    let positioned = false;
    for (const f of await logFilesOf(file)) {
      const end = first ? (st?.size ?? 0) : undefined;
      for await (const { text, end: lineEnd } of readLinesBackward(f, { end, chunkBytes })) {
        if (first && !positioned) cursor.set(file, { ino: st?.ino ?? -1, offset: lineEnd });
        positioned = true;
        const line = parseRecord(text, instance);
        if (line) newestFirst.push(line);
        bytes += text.length;
        if (newestFirst.length >= limit || bytes >= budget) break;
      }
      first = false;
      if (newestFirst.length >= limit || bytes >= budget) break;
    }
    all.push(...newestFirst.reverse());
  }
  return all.sort(byTime).slice(-limit);
}

/** Complete lines of `file` from `from`, at most maxBytesPerPoll; returns them and the offset after the last. */
async function readForward(file: string, from: number, instance: string): Promise<{ lines: InstanceLogLine[]; offset: number }> {
  const lines: InstanceLogLine[] = [];
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return { lines, offset: from };
  }
  try {
    const size = (await handle.stat()).size;
    const until = Math.min(size, from + maxBytesPerPoll);
    let offset = from;
    let carry = Buffer.alloc(0);
    let pos = from;
    while (pos < until) {
      const buf = Buffer.allocUnsafe(Math.min(chunkBytes, until - pos));
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a)) {
        const line = parseRecord(data.subarray(0, nl).toString('utf8'), instance);
        if (line) lines.push(line);
        offset += nl + 1;
        data = data.subarray(nl + 1);
      }
      carry = data;
    }
    // A line longer than a whole poll's budget would never complete: skip past it.
    if (offset === from && until - from >= maxBytesPerPoll) offset = until;
    return { lines, offset };
  } finally {
    await handle.close();
  }
}

/**
 * New complete lines since `cursor` (filled by tailLines; an instance not in it is read from its
 * start). A file rotated away since the last poll is read to its end first.
 */
export async function readNewLines(files: string[], cursor: FollowCursor): Promise<InstanceLogLine[]> {
  const out: InstanceLogLine[] = [];
  for (const file of files) {
    const instance = instanceOf(file);
    const st = await stat(file).catch(() => null);
    let at = cursor.get(file) ?? { ino: st?.ino ?? -1, offset: 0 };
    if (st && st.ino !== at.ino) {
      // Rotated since the last poll (maybe more than once): finish the file read last (now
      // ID.log.K), read the files rotated after it (ID.log.K-1 … ID.log.1), then the new ID.log.
      const rotated = (await logFilesOf(file)).slice(1);
      const inodes = await Promise.all(rotated.map((f) => stat(f).then((s) => s.ino, () => -1)));
      const k = inodes.indexOf(at.ino);
      for (let i = k; i >= 0; i--) out.push(...(await readForward(rotated[i]!, i === k ? at.offset : 0, instance)).lines);
      at = { ino: st.ino, offset: 0 };
    }
    if (st && st.size < at.offset) at = { ino: st.ino, offset: 0 }; // truncated
    if (st) {
      const { lines, offset } = await readForward(file, at.offset, instance);
      out.push(...lines);
      at = { ino: st.ino, offset };
    }
    cursor.set(file, at);
  }
  return out.sort(byTime);
}
