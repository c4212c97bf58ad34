import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { ago, printJson, table } from '../format.ts';
import type { ProjectStatusJson } from '../../api/schemas/project-schemas.ts';
import type { ReleaseJson, RolloutJson } from '../../api/schemas/deploy-schemas.ts';

const enc = encodeURIComponent;

function printRollout(r: RolloutJson): void {
  const step = r.steps ? ` step ${r.step + 1}/${r.steps.length}` : '';
  console.log(`${r.strategy} rollout of release #${r.release}${r.stable ? ` (stable #${r.stable})` : ''}: ${r.state} (${r.phase})${step}${r.reason ? ` — ${r.reason}` : ''}`);
  console.log(`weights: stable ${r.weights.stable}%, canary ${r.weights.canary}%, baseline ${r.weights.baseline}%`);
  for (const d of r.decisions.slice(-10)) console.log(`  ${d.at.slice(11, 19)} ${d.metric.padEnd(13)} ${d.verdict.padEnd(12)} ${d.reason}`);
}

export function deployCommands(program: Command, ctx: CliContext): void {
  program
    .command('previews')
    .description('preview environments of pull requests: URL, commit, age')
    .argument('<project>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<Array<{ name: string; pullRequest: number; url: string; commit: string; state: string; createdAt: string; lastRequestAt: string | null }>>(
        `/api/projects/${enc(name)}/previews`,
      );
      if (o.json) return printJson(list);
      if (!list.length) return console.log(`${name}: no previews`);
      console.log(
        table([
          ['PREVIEW', 'STATE', 'COMMIT', 'CREATED', 'LAST REQUEST', 'URL'],
          ...list.map((p) => [p.name, p.state, p.commit.slice(0, 10), ago(p.createdAt), ago(p.lastRequestAt), p.url]),
        ]),
      );
    });
  program
    .command('rollout')
    .description('the current (or last) rollout of an environment: strategy, step, weights, analysis decisions')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const r = await ctx.api(cmd).get<RolloutJson>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/rollout`);
      if (o.json) printJson(r);
      else printRollout(r);
    });
  program
    .command('promote')
    .description('move a canary to its next step (or all the way with --full), or switch a blue/green rollout')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--full', 'skip the remaining steps')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; full?: boolean; json?: boolean }, cmd: Command) => {
      const r = await ctx.api(cmd).post<RolloutJson>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/promote`, { full: Boolean(o.full) });
      if (o.json) printJson(r);
      else console.log(`promote requested for release #${r.release} in ${name}/${o.env}`);
    });
  program
    .command('abort')
    .description('send all traffic back to the stable release at once, then stop the new instances')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const r = await ctx.api(cmd).post<RolloutJson>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/abort`);
      if (o.json) printJson(r);
      else console.log(`abort requested for release #${r.release} in ${name}/${o.env}`);
    });
  program
    .command('status')
    .description('environments of a project: URL, state and the release each runs')
    .argument('<project>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const s = await ctx.api(cmd).get<ProjectStatusJson>(`/api/projects/${enc(name)}/status`);
      if (o.json) return printJson(s);
      if (!s.environments.length) return console.log(`${name}: no environments yet (the first run plans them)`);
      console.log(
        table([
          ['ENVIRONMENT', 'STATE', 'RELEASE', 'COMMIT', 'URL'],
          ...s.environments.map((e) => [e.name, e.state, e.release ? `#${e.release.number}` : '-', e.release ? e.release.commit.slice(0, 10) : '-', e.url]),
        ]),
      );
      for (const e of s.environments) if (e.release?.image) console.log(`${e.name} image: ${e.release.image}`);
      if (s.dataPlane === 'down') console.log('the data plane is down: nothing is served until the server has started it again');
    });
  program
    .command('releases')
    .description('release history of an environment, newest first')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<ReleaseJson[]>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/releases`);
      if (o.json) return printJson(list);
      console.log(
        table([
          ['#', 'STATE', 'COMMIT', 'ARTIFACT', 'CREATED', 'NOTE', ...(list.some((r) => r.image) ? ['IMAGE'] : [])],
          ...list.map((r) => [String(r.number), r.state, r.commit.slice(0, 10), r.artifact.slice(0, 19), ago(r.createdAt), r.rolledBackFrom ? `rolled back from #${r.rolledBackFrom}` : (r.reason ?? ''), ...(list.some((x) => x.image) ? [r.image ?? '-'] : [])]),
        ]),
      );
    });
  program
    .command('redeploy')
    .description('the live release again, as a new release, with the current versions of its secret groups')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      if (!o.json) process.stderr.write(`redeploying ${name}/${o.env}…\n`);
      const r = await ctx.api(cmd).post<ReleaseJson>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/redeploy`, {}, 300_000);
      if (o.json) printJson(r);
      else console.log(`${name}/${o.env} runs release #${r.number} (commit ${r.commit.slice(0, 10)})`);
    });
  program
    .command('rollback')
    .description('put an earlier release back (no rebuild), as a new release')
    .argument('<project>')
    .requiredOption('--env <env>', 'environment')
    .option('--to <number>', 'the release to put back (default: the one before the live one)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; to?: string; json?: boolean }, cmd: Command) => {
      const to = o.to === undefined ? undefined : Number(o.to);
      if (to !== undefined && !(Number.isInteger(to) && to > 0)) throw new Error(`--to must be a release number, got ${JSON.stringify(o.to)}`);
      if (!o.json) process.stderr.write(`rolling ${name}/${o.env} back…\n`);
      const r = await ctx.api(cmd).post<ReleaseJson>(`/api/projects/${enc(name)}/environments/${enc(o.env)}/rollback`, { to }, 300_000);
      if (o.json) printJson(r);
      else console.log(`${name}/${o.env} runs release #${r.number} (commit ${r.commit.slice(0, 10)}), rolled back from #${r.rolledBackFrom}`);
    });
}
