// `sluice backup` on a running server: a consistent online copy of the store with the log
// store's snapshot inside, made in the data directory (writable under the service unit, and on
// the store's own disk) and removed by the route once sent; a failed copy leaves nothing behind.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupApiDeps } from '../api/backup-route.ts';
import type { StoreBackup } from '../store/store-backup.ts';
import type { OpenedLogs } from './open-log-store.ts';

export function backupApi(store: StoreBackup, logs: Pick<OpenedLogs, 'snapshotInto'>, dataDir: string, masterKeyAt: string): BackupApiDeps {
  return {
    backup: async (hint) => {
      const file = path.join(dataDir, `.backup-${randomUUID()}.db`);
      const remove = (): void => fs.rmSync(file, { force: true });
      try {
        await store.backup(file, hint);
        await logs.snapshotInto(file);
      } catch (error) {
        remove();
        throw error;
      }
      return { file, remove };
    },
    masterKeyAt,
  };
}
