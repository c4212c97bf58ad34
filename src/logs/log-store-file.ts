// Where the SQLite log store lives in a data directory, and the name a backup carries it under.
import path from 'node:path';

/** The log store's own database (src/logs/sqlite), beside the state store. */
export function logStoreFileOf(dataDir: string): string {
  return path.join(dataDir, 'logs.db');
}

/** The backup part (src/store/sqlite/backup-parts.ts) that holds a snapshot of it. */
export const logStorePart = 'logs.db';
