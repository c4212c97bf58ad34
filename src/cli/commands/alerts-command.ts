// `sluice alerts NAME [--env ENV] [--json]`: the alerts of a project, their state and figures.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { AlertJson } from '../../api/schemas/observe-schemas.ts';

/** A figure in its metric's unit, as in sluice.yaml. */
function shown(metric: string, value: number | null): string {
  if (value === null) return '-';
  if (metric === 'errorRate') return `${(value * 100).toFixed(2)}%`;
  if (metric === 'p99' || metric === 'p95' || metric === 'p50') return `${Math.round(value)}ms`;
  return String(Math.round(value * 100) / 100);
}

export function alertsCommand(program: Command, ctx: CliContext): void {
  program
    .command('alerts')
    .description('alerts of a project: state (ok, pending, firing, inconclusive), since when, figure against threshold, last change')
    .argument('<project>')
    .option('--env <env>', 'only this environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env?: string; json?: boolean }, cmd: Command) => {
      const query = o.env === undefined ? '' : `?env=${encodeURIComponent(o.env)}`;
      const list = await ctx.api(cmd).get<AlertJson[]>(`/api/projects/${encodeURIComponent(name)}/alerts${query}`);
      if (o.json) return printJson(list);
      if (!list.length) return console.log(`${name}: no alerts${o.env ? ` in ${o.env}` : ''} (add alerts: [{name, metric, above, for, action}] to an environment in sluice.yaml)`);
      console.log(
        table([
          ['ENVIRONMENT', 'ALERT', 'STATE', 'SINCE', 'VALUE', 'THRESHOLD', 'SAMPLES', 'ACTION', 'LAST CHANGE'],
          ...list.map((a) => [
            a.environment,
            a.name,
            a.state,
            a.since?.slice(0, 19).replace('T', ' ') ?? '-',
            `${a.metric} ${shown(a.metric, a.value)}`,
            `${a.comparison === 'above' ? '>' : '<'} ${shown(a.metric, a.threshold)} for ${a.forSeconds}s`,
            String(a.samples),
            a.action,
            a.unevaluated !== undefined ? `not evaluated: ${a.unevaluated}` : a.lastChange ? `${a.lastChange.from} → ${a.lastChange.to}: ${a.lastChange.reason}` : '-',
          ]),
        ]),
      );
    });
}
