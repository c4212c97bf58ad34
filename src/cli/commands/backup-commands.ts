// `sluice backup FILE` (online, through the server) and `sluice restore FILE --data DIR`
// (offline, local). Neither copies the master key: it is kept apart from the data it opens.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

const covers =
  'it holds the whole store: projects, runs, environments, releases, rollouts, previews, sealed secrets, wrapped data keys, secret grants and the audit trail; ' +
  'and the log store (run output, deploy events, instance output, access lines); ' +
  'not artifacts, release directories or the data plane state (the next deploy, or `sluice rollback` with the artifacts directory copied too, brings instances back)';

const logsOf = (info: { parts: Array<{ name: string; bytes: number }> }): number | null => info.parts.find((p) => p.name === 'logs.db')?.bytes ?? null;

export function backupCommands(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('write a consistent copy of the running server\'s store to FILE (SQLite; for PostgreSQL use pg_dump)')
    .argument('<file>')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }, cmd: Command) => {
      const { checkStoreFile } = await import('../../store/sqlite/check-store-file.ts');
      const { commitFile } = await import('../../store/sqlite/commit-file.ts');
      const target = path.resolve(file);
      const res = await ctx.api(cmd).download('/api/backup', { file: target });
      const masterKeyAt = decodeURIComponent(res.headers.get('x-sluice-master-key') ?? 'the server\'s data directory (master.key)');
      const temp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
      try {
        await pipeline(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        const info = checkStoreFile(temp);
        commitFile(temp, target);
        const bytes = fs.statSync(target).size;
        if (o.json) {
          console.log(JSON.stringify({ file: target, bytes, schema: info.migrations.at(-1) ?? null, projects: info.projects, runs: info.runs, logStoreBytes: logsOf(info), masterKey: masterKeyAt }, null, 2));
        } else {
          const logs = logsOf(info) === null ? '' : `, log store ${logsOf(info)} bytes`;
          console.log(`backup written to ${target} (${bytes} bytes, ${info.projects} projects, ${info.runs} runs${logs}, schema ${info.migrations.at(-1) ?? 'none'}): ${covers}`);
        }
        console.error(`warning: the master key is NOT in the backup; it lives in ${masterKeyAt}. Keep a copy apart from the backup: without it no secret in the backup can be read.`);
      } finally {
        fs.rmSync(temp, { force: true });
      }
    });
  program
    .command('restore')
    .description('put a backup in place as DIR/sluice.db (and the log store it holds as DIR/logs.db), for a server that is not running yet (offline)')
    .argument('<file>')
    .requiredOption('--data <dir>', 'the data directory of the server to start')
    .option('--force', 'replace the store DIR already holds, and restore even while its data plane runs')
    .action(async (file: string, o: { data: string; force?: boolean }) => {
      const { ConflictError } = await import('../../errors.ts');
      const { DataPlaneClient } = await import('../../dataplane/data-plane-client.ts');
      const { socketPathOf } = await import('../../dataplane/data-plane-paths.ts');
      const { masterKeyFileOf } = await import('../../server/open-secrets.ts');
      const { restoreStoreFile } = await import('../../store/sqlite/restore-store-file.ts');
      const dataDir = path.resolve(o.data);
      const dp = await new DataPlaneClient(socketPathOf(dataDir)).health();
      if (dp && !o.force) throw new ConflictError(`a data plane (pid ${dp.pid}) is running on ${dataDir}: stop it with \`sluice down --data ${dataDir}\` (and its server) first, or add --force`);
      const info = await restoreStoreFile(path.resolve(file), dataDir, { force: o.force === true });
      const logs = logsOf(info) === null ? '' : ` and the log store into ${path.join(dataDir, 'logs.db')}`;
      console.log(`restored ${info.projects} projects and ${info.runs} runs into ${path.join(dataDir, 'sluice.db')}${logs} (schema ${info.migrations.at(-1) ?? 'none'}; newer migrations run when the server starts)`);
      const keyFile = masterKeyFileOf(dataDir);
      if (info.dataKeys === 0) return;
      if (fs.existsSync(keyFile)) console.log(`the server will open the secrets with ${keyFile}: it must be the master key of the server that made the backup`);
      else if (ctx.env.masterKey !== undefined) console.log('the server will open the secrets with SLUICE_MASTER_KEY: it must be the master key of the server that made the backup');
      else console.error(`next: copy the master key of the server that made the backup to ${keyFile} (chmod 600), or set SLUICE_MASTER_KEY; without it the server refuses to start`);
    });
}
