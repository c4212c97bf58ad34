// `sluice notifications NAME [--limit N] [--json]`: the delivery log of a project's notifications.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { DeliveryJson } from '../../api/schemas/observe-schemas.ts';

export function notificationsCommand(program: Command, ctx: CliContext): void {
  program
    .command('notifications')
    .description('the delivery log of a project\'s notifications: event, target host, attempts, last status, state, next attempt')
    .argument('<project>')
    .option('--limit <n>', 'newest entries shown', '100')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { limit: string; json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<DeliveryJson[]>(`/api/projects/${encodeURIComponent(name)}/notifications?limit=${encodeURIComponent(o.limit)}`);
      if (o.json) return printJson(list);
      if (!list.length) return console.log(`${name}: no notifications sent (declare targets under notifications: in sluice.yaml)`);
      console.log(
        table([
          ['EVENT', 'ENV', 'TARGET', 'STATE', 'ATTEMPTS', 'LAST STATUS', 'NEXT ATTEMPT', 'CREATED'],
          ...list.map((d) => [d.event.kind, d.environment ?? '-', d.target, d.state, String(d.attempts), d.lastStatus ?? '-', d.nextAttemptAt ?? '-', d.createdAt]),
        ]),
      );
    });
}
