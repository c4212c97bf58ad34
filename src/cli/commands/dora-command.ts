// `sluice dora NAME [--env production] [--since 30d] [--json]`: the four DORA keys of one
// environment, computed by the server from its stored events (docs/dora.md).
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { DoraReport } from '../../dora/dora-report.ts';
import { formatDuration } from '../../spec/duration.ts';

// Whole seconds beyond one: 1h2m reads better than 1h2m0s412ms.
const seconds = (s: number | null): string => (s === null ? '-' : formatDuration(s < 1 ? s * 1000 : Math.round(s) * 1000));
const figure = (n: number | null, digits = 2): string => (n === null ? '-' : Number(n.toFixed(digits)).toString());

export function doraCommand(program: Command, ctx: CliContext): void {
  program
    .command('dora')
    .description('DORA keys of an environment: deployment frequency, lead time, change failure rate, time to restore')
    .argument('<project>')
    .option('--env <environment>', 'environment', 'production')
    .option('--since <duration>', 'the window, ending now (e.g. 7d, 30d, 12h)', '30d')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; since: string; json?: boolean }, cmd: Command) => {
      const q = new URLSearchParams({ env: o.env, since: o.since });
      const r = await ctx.api(cmd).get<DoraReport>(`/api/projects/${encodeURIComponent(name)}/dora?${q.toString()}`);
      if (o.json) return printJson(r);
      console.log(`${r.project}/${r.environment}, ${r.since.slice(0, 16).replace('T', ' ')} → ${r.until.slice(0, 16).replace('T', ' ')} UTC`);
      const f = r.changeFailureRate;
      console.log(
        table([
          ['KEY', 'VALUE', 'FROM'],
          ['deployment frequency', `${figure(r.deploymentFrequency.perDay)} a day`, `${r.deploymentFrequency.deploys} deploys`],
          ['lead time for changes', `p50 ${seconds(r.leadTimeForChanges.p50Seconds)}, p90 ${seconds(r.leadTimeForChanges.p90Seconds)}`, 'commit → live'],
          ['change failure rate', f.ratio === null ? '-' : `${figure(f.ratio * 100, 1)} %`, `${f.failed} of ${f.total} changes`],
          ['time to restore', `p50 ${seconds(r.timeToRestore.p50Seconds)}`, `${r.timeToRestore.incidents} incidents`],
        ]),
      );
    });
}
