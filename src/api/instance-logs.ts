// Reads instance log files (JSON lines written by the supervisor), merged in time order.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface InstanceLogLine {
  at: string;
  instance: string;
  stream: string;
  line: string;
}

/** Reads each file from its last offset; returns new lines and advances the offsets. */
export async function readNewLines(files: string[], offsets: Map<string, number>): Promise<InstanceLogLine[]> {
  const out: InstanceLogLine[] = [];
  for (const file of files) {
    const from = offsets.get(file) ?? 0;
    let buf: Buffer;
    try {
      const fh = await fs.open(file, 'r');
      try {
        const { size } = await fh.stat();
        if (size <= from) continue;
        buf = Buffer.alloc(size - from);
        await fh.read(buf, 0, buf.length, from);
      } finally {
        await fh.close();
      }
    } catch {
      continue;
    }
    const text = buf.toString('utf8');
    const complete = text.lastIndexOf('\n') + 1;
    offsets.set(file, from + Buffer.byteLength(text.slice(0, complete)));
    const instance = path.basename(file, '.log');
    for (const raw of text.slice(0, complete).split('\n')) {
      if (!raw) continue;
      try {
        const j = JSON.parse(raw) as { ts?: string; stream?: string; line?: string };
        out.push({ at: j.ts ?? '', instance, stream: j.stream ?? 'stdout', line: j.line ?? '' });
      } catch {
        out.push({ at: '', instance, stream: 'stdout', line: raw });
      }
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
