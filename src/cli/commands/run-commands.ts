import type { Command } from 'commander';
import type { ApiClient } from '../api-client.ts';
import { logsCommand } from './logs-command.ts';
import type { CliContext } from '../context.ts';
import { ago, duration, printJson, runRef, table } from '../format.ts';
import type { RunJson } from '../../api/schemas/run-schemas.ts';

const enc = encodeURIComponent;

function printRun(r: RunJson): void {
  console.log(`run ${runRef(r)} (${r.id}) ${r.state}${r.reason ? `: ${r.reason}` : ''}`);
  console.log(`commit ${r.commit} on ${r.branch} by ${r.author}, ${r.trigger}: ${r.message.split('\n')[0]}`);
  for (const s of r.stages) {
    console.log(`  ${s.name.padEnd(22)} ${s.state.padEnd(10)} ${duration(s.startedAt, s.finishedAt)}${s.reason ? `  ${s.reason}` : ''}`);
    for (const st of s.steps ?? []) console.log(`    - ${st.name.padEnd(30)} ${st.state.padEnd(10)} ${st.exitCode ?? ''}`);
  }
}

const endStates = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

/** Polls a run until it ends, printing each stage as it changes state (progress for long waits). */
async function waitForRun(api: ApiClient, id: string, show: boolean): Promise<RunJson> {
  const seen = new Map<string, string>();
  for (;;) {
    const run = await api.get<RunJson>(`/api/runs/${enc(id)}`);
    for (const s of run.stages) {
      if (show && seen.get(s.name) !== s.state && s.state !== 'pending') {
        process.stderr.write(`  ${s.name.padEnd(22)} ${s.state}${s.reason ? `: ${s.reason}` : ''}\n`);
      }
      seen.set(s.name, s.state);
    }
    if (endStates.has(run.state)) {
      if (show) console.log(`run ${runRef(run)} ${run.state}${run.reason ? `: ${run.reason}` : ''}`);
      return run;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function runCommands(program: Command, ctx: CliContext): void {
  logsCommand(program, ctx);
  program
    .command('trigger')
    .description('start a run now')
    .argument('<project>')
    .option('--ref <ref>', 'branch, tag or commit (default: the tracked branch)')
    .option('--wait', 'wait for the run to end, showing its stages as they go; exit 1 unless it succeeds')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { ref?: string; wait?: boolean; json?: boolean }, cmd: Command) => {
      const api = ctx.api(cmd);
      let run = await api.post<RunJson>(`/api/projects/${enc(name)}/trigger`, { ref: o.ref });
      if (!o.json) console.log(`run ${runRef(run)} queued (${run.id}) for ${run.commit.slice(0, 12)}`);
      if (o.wait) run = await waitForRun(api, run.id, !o.json);
      if (o.json) printJson(run);
      else if (!o.wait) console.log(`follow it with: sluice logs ${runRef(run)} --follow`);
      if (o.wait && run.state !== 'succeeded') process.exitCode = 1;
    });
  program
    .command('runs')
    .description('the runs of a project, newest first')
    .argument('<project>')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { limit: string; json?: boolean }, cmd: Command) => {
      const runs = await ctx.api(cmd).get<RunJson[]>(`/api/projects/${enc(name)}/runs?limit=${enc(o.limit)}`);
      if (o.json) return printJson(runs);
      console.log(
        table([
          ['RUN', 'STATE', 'COMMIT', 'TRIGGER', 'CREATED', 'DURATION', 'ID'],
          ...runs.map((r) => [runRef(r), r.state, r.commit.slice(0, 10), r.trigger, ago(r.createdAt), duration(r.startedAt, r.finishedAt), r.id]),
        ]),
      );
    });
  program
    .command('run')
    .description('one run with its stages and steps')
    .argument('<run>', 'run id or PROJECT#NUMBER')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const run = await ctx.api(cmd).get<RunJson>(`/api/runs/${enc(id)}`);
      if (o.json) printJson(run);
      else printRun(run);
    });
  for (const [verb, what] of [
    ['cancel', 'stop a run'],
    ['approve', 'release a run waiting for a person'],
    ['reject', 'refuse a run waiting for a person (it ends cancelled)'],
  ] as const) {
    const c = program.command(verb).description(what).argument('<run>', 'run id or PROJECT#NUMBER').option('--json', 'print JSON');
    if (verb !== 'approve') c.option('--reason <text>', 'why (shown with the run)');
    c.action(async (id: string, o: { json?: boolean; reason?: string }, cmd: Command) => {
      const run = await ctx.api(cmd).post<RunJson>(`/api/runs/${enc(id)}/${verb}`, o.reason ? { reason: o.reason } : {});
      if (o.json) printJson(run);
      else console.log(`run ${runRef(run)}: ${run.state}${run.reason ? ` (${run.reason})` : ''}`);
    });
  }
}
