// `sluice doctor`: checks this host for Sluice (local, no server needed). Exit 1 on any failure.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { intOption } from './server-command.ts';

export function doctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check this host: git and tar versions, ports, free disk, key file modes, the store; each failure names its fix')
    .option('--data <dir>', 'data directory (default: SLUICE_DATA or ./.sluice)')
    .option('--host <host>', 'API address', '127.0.0.1')
    .option('--port <n>', 'API port', '7070')
    .option('--router-host <host>', 'edge router address', '127.0.0.1')
    .option('--router-port <n>', 'edge router port', '8080')
    .option('--database <url>', 'postgres://… when the store is PostgreSQL (default: SLUICE_DATABASE, else SQLite in the data directory)')
    .option('--json', 'print JSON')
    .action(async (o: { data?: string; host: string; port: string; routerHost: string; routerPort: string; database?: string; json?: boolean }) => {
      const { runDoctor } = await import('../../doctor/run-doctor.ts');
      const { TAR_PATH } = await import('../../artifact/tar-archive.ts');
      const checks = await runDoctor({
        dataDir: o.data ?? ctx.env.dataDir,
        host: o.host,
        port: intOption('--port', o.port, 1, 65535),
        routerHost: o.routerHost,
        routerPort: intOption('--router-port', o.routerPort, 1, 65535),
        database: o.database ?? ctx.env.database,
        path: ctx.env.path,
        tarPath: TAR_PATH,
        masterKeyFromEnv: ctx.env.masterKey !== undefined,
      });
      const ok = checks.every((c) => c.ok);
      if (o.json) {
        console.log(JSON.stringify({ ok, checks }, null, 2));
      } else {
        for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`);
        console.log(ok ? 'all checks passed' : `${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed`);
      }
      if (!ok) process.exitCode = 1;
    });
}
