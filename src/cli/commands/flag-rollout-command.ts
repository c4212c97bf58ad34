// `sluice flag rollout NAME KEY --env ENV …`: without start options, the flag's current (or last)
// rollout; with --variant and --steps, starts one; --abort / --promote [--full] steer it. JSON in
// the shape of `sluice rollout --json`, strategy 'flag' (docs/flags.md, "Flag rollouts").
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson } from '../format.ts';

interface FlagRolloutJson {
  strategy: string;
  flag: string;
  variant: string;
  state: string;
  phase: string;
  step: number;
  steps: number[];
  weights: { stable: number; canary: number; baseline: number };
  decisions: Array<{ at: string; metric: string; verdict: string; reason: string }>;
  reason: string | null;
  startedBy: string;
}

interface Options {
  env: string;
  variant?: string;
  steps?: string;
  pause?: string;
  analysis?: string;
  abort?: boolean;
  promote?: boolean;
  full?: boolean;
  json?: boolean;
}

const enc = encodeURIComponent;

function printFlagRollout(r: FlagRolloutJson): void {
  const step = r.phase === 'start' ? 'not started' : `step ${r.step + 1}/${r.steps.length} (${r.steps.join(', ')} %)`;
  console.log(`flag rollout of ${r.flag}=${r.variant} by ${r.startedBy}: ${r.state} (${r.phase}) ${step}${r.reason ? ` — ${r.reason}` : ''}`);
  console.log(`weights: ${r.variant} ${r.weights.canary}%, rest ${r.weights.stable}%`);
  for (const d of r.decisions.slice(-10)) console.log(`  ${d.at.slice(11, 19)} ${d.metric.padEnd(13)} ${d.verdict.padEnd(12)} ${d.reason}`);
}

export function flagRolloutCommand(flag: Command, ctx: CliContext): void {
  flag
    .command('rollout')
    .description('roll a variant out to more and more users, judged on its live error rate and latency; or show, abort, promote one')
    .argument('<project>')
    .argument('<key>')
    .requiredOption('--env <env>', 'the environment')
    .option('--variant <variant>', 'the variant to roll out (starts a rollout, with --steps)')
    .option('--steps <percentages>', 'percentages of users, increasing, 1..100, e.g. 5,25,50,100')
    .option('--pause <duration>', 'how long each step holds (default 1m)')
    .option('--analysis <checks>', 'maxErrorRate=1%,maxP99=500ms[,minSamples=N,interval=10s,alpha=A]: the cohort against the rest at each look')
    .option('--abort', 'end the rollout now: the flag serves what it served before')
    .option('--promote', 'the next step now (with --full: the variant to everyone)')
    .option('--full', 'with --promote: the variant to everyone now')
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: Options, cmd: Command) => {
      const path = `/api/projects/${enc(name)}/environments/${enc(o.env)}/flags/${enc(key)}/rollout`;
      const starting = o.variant !== undefined || o.steps !== undefined || o.pause !== undefined || o.analysis !== undefined;
      const chosen = [starting, o.abort === true, o.promote === true].filter(Boolean).length;
      if (chosen > 1) throw new Error('give one of: start options (--variant, --steps, --pause, --analysis), --abort, --promote');
      if (o.full && !o.promote) throw new Error('--full goes with --promote');
      if (starting && (o.variant === undefined || o.steps === undefined)) throw new Error('a rollout needs --variant V and --steps, e.g. --variant on --steps 5,25,50,100');
      const api = ctx.api(cmd);
      let r: FlagRolloutJson;
      if (starting) r = await api.post<FlagRolloutJson>(path, { variant: o.variant, steps: o.steps, ...(o.pause !== undefined ? { pause: o.pause } : {}), ...(o.analysis !== undefined ? { analysis: o.analysis } : {}) });
      else if (o.abort) r = await api.post<FlagRolloutJson>(`${path}/abort`, {});
      else if (o.promote) r = await api.post<FlagRolloutJson>(`${path}/promote`, { full: o.full === true });
      else r = await api.get<FlagRolloutJson>(path);
      if (o.json) return printJson(r);
      printFlagRollout(r);
    });
}
