// POST /api/backup: a consistent copy of the store, streamed as the response body. The copy is
// made into a temporary file of the server (SQLite's backup API needs a file) and removed once sent.
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { need } from '../auth/permission.ts';
import { errorResponses } from './schemas/common-schemas.ts';
import { lazySchemas } from './lazy-schemas.ts';

export interface BackupApiDeps {
  /** Makes the copy (`hint`: the operator's file name, for advice); `remove` deletes it. */
  backup(hint: string): Promise<{ file: string; remove(): void }>;
  /** Where the master key lives (the backup never holds it). */
  masterKeyAt: string;
}

export function registerBackupRoute(app: FastifyInstance, deps: BackupApiDeps): void {
  const adminSchemas = lazySchemas(() => import('./schemas/admin-schemas.ts'));
  app.post('/api/backup', { schema: { summary: 'A consistent copy of the store (never the master key)', body: adminSchemas.backupBodySchema, response: { 200: { description: 'the copy; x-sluice-master-key names where the key lives', content: { 'application/vnd.sqlite3': { schema: adminSchemas.backupFileSchema } } }, ...errorResponses } }, config: { permission: need.adminGlobal } }, async (req, reply) => {
    const b = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const hint = b.file ?? 'sluice-backup.db';
    if (typeof hint !== 'string' || hint === '' || hint.length > 4096) throw new InvalidInputError('file must be a file name');
    const copy = await deps.backup(hint);
    const stream = fs.createReadStream(copy.file);
    stream.once('close', () => copy.remove());
    return reply
      .header('content-type', 'application/vnd.sqlite3')
      .header('content-length', fs.statSync(copy.file).size)
      .header('x-sluice-master-key', encodeURIComponent(deps.masterKeyAt))
      .send(stream);
  });
}
