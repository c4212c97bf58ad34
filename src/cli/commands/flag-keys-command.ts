// `sluice flag keys NAME --env ENV [--json]`: the environment's public key for browser clients
// (OFREP on the environment's host under /_sluice/ofrep/v1). The `flag` group is shared with the
// other `sluice flag` commands: whichever registers first creates it.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson } from '../format.ts';
import type { FlagKeysJson } from '../../api/schemas/flag-schemas.ts';

export function flagKeysCommand(program: Command, ctx: CliContext): void {
  const flag = program.commands.find((c) => c.name() === 'flag') ?? program.command('flag').description('feature flags of an environment');
  flag
    .command('keys')
    .description("an environment's public flag key for browsers (it sees only flags marked client: true)")
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const keys = await ctx.api(cmd).get<FlagKeysJson>(`/api/projects/${encodeURIComponent(name)}/environments/${encodeURIComponent(o.env)}/flag-keys`);
      if (o.json) return printJson(keys);
      console.log(`client key of ${keys.project}/${keys.environment}: ${keys.clientKey}`);
      console.log(`browsers evaluate at https://<environment host>${keys.ofrepPath} (OFREPWebProvider baseUrl: <origin>/_sluice)`);
    });
}
