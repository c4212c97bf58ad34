// Puts a finished temporary file (written by a stream or by SQLite's backup, not from memory) in
// place so that a crash leaves the old file or the whole new one, never a part: fsync the data,
// rename over the target, then the directory sync that writeFileDurable uses.
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory } from '../../fs/write-file-durable.ts';

export function commitFile(temp: string, target: string): void {
  const fd = fs.openSync(temp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
  syncDirectory(path.dirname(target));
}
