// Puts a finished temporary file in place so that a crash leaves the old file or the whole new
// one, never a part: fsync the data, rename over the target, fsync the directory entry.
import fs from 'node:fs';
import path from 'node:path';

export function commitFile(temp: string, target: string): void {
  const fd = fs.openSync(temp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
  const dir = fs.openSync(path.dirname(target), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
