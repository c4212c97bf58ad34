// The `sluice` command line. It speaks only to the API (except `validate`, `server` and the
// hidden `dataplane`, which are local by nature).
import { Command, CommanderError } from 'commander';
import { readEnvironment } from '../config/environment.ts';
import { ApiError } from './api-client.ts';
import { deployCommands } from './commands/deploy-commands.ts';
import { projectCommand } from './commands/project-command.ts';
import { quickstartCommands } from './commands/quickstart-command.ts';
import { runCommands } from './commands/run-commands.ts';
import { secretCommand } from './commands/secret-command.ts';
import { serverCommand } from './commands/server-command.ts';
import { validateCommand } from './commands/validate-command.ts';
import { cliContext } from './context.ts';
import { exitOnEpipe } from './exit-on-epipe.ts';

exitOnEpipe(process.stdout);

const ctx = cliContext(readEnvironment());
const program = new Command('sluice')
  .description('continuous deployment: every commit that passes its gates reaches production by itself')
  .option('--server <url>', 'the Sluice API (default: SLUICE_SERVER or http://127.0.0.1:7070)')
  .showHelpAfterError()
  .exitOverride();

validateCommand(program);
serverCommand(program, ctx);
quickstartCommands(program, ctx);
projectCommand(program, ctx);
runCommands(program, ctx);
deployCommands(program, ctx);
secretCommand(program, ctx);

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
