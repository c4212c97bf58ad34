// The `sluice` command line. It speaks only to the API (except `validate`, `server` and the
// hidden `dataplane`, which are local by nature).
import { Command, CommanderError } from 'commander';
import { readEnvironment } from '../config/environment.ts';
import { packageVersion } from '../config/package-version.ts';
import { ApiError } from './api-client.ts';
import { alertsCommand } from './commands/alerts-command.ts';
import { auditCommand } from './commands/audit-command.ts';
import { backupCommands } from './commands/backup-commands.ts';
import { deployCommands } from './commands/deploy-commands.ts';
import { domainsCommand } from './commands/domains-command.ts';
import { flagKeysCommand } from './commands/flag-keys-command.ts';
import { doraCommand } from './commands/dora-command.ts';
import { renderCommand } from './commands/render-command.ts';
import { flagCommands } from './commands/flag-commands.ts';
import { notificationsCommand } from './commands/notifications-command.ts';
import { doctorCommand } from './commands/doctor-command.ts';
import { projectCommand } from './commands/project-command.ts';
import { quickstartCommands } from './commands/quickstart-command.ts';
import { runCommands } from './commands/run-commands.ts';
import { secretCommand } from './commands/secret-command.ts';
import { serverCommand } from './commands/server-command.ts';
import { tokenCommands } from './commands/token-command.ts';
import { validateCommand } from './commands/validate-command.ts';
import { cliContext } from './context.ts';
import { exitOnEpipe } from './exit-on-epipe.ts';

exitOnEpipe(process.stdout);

// The command modules only declare commands; each action imports what it needs when it runs,
// so `sluice --version` or `sluice runs` never loads the server, the schema or a database driver.
const ctx = cliContext(readEnvironment());
const program = new Command('sluice')
  .description('continuous deployment: every commit that passes its gates reaches production by itself')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('--server <url>', 'the Sluice API (default: SLUICE_SERVER or http://127.0.0.1:7070)')
  .option('--token <token>', 'API token (default: SLUICE_TOKEN, else what `sluice login` stored for the server)')
  .showHelpAfterError()
  .exitOverride();

validateCommand(program);
serverCommand(program, ctx);
quickstartCommands(program, ctx);
projectCommand(program, ctx);
runCommands(program, ctx);
deployCommands(program, ctx);
domainsCommand(program, ctx);
alertsCommand(program, ctx);
doraCommand(program, ctx);
renderCommand(program, ctx);
flagCommands(program, ctx);
flagKeysCommand(program, ctx);
notificationsCommand(program, ctx);
secretCommand(program, ctx);
tokenCommands(program, ctx);
auditCommand(program, ctx);
backupCommands(program, ctx);
doctorCommand(program, ctx);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    process.exitCode = 1;
  }
}
