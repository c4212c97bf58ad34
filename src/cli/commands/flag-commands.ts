// `sluice flag list|get|set|history|revert NAME … --env ENV`: feature flags of one environment
// (docs/flags.md). `set` returns once every evaluation endpoint serves the change.
import { Command, Option } from 'commander';
import type { CliContext } from '../context.ts';
import { ago, printJson, table } from '../format.ts';
import type { FlagChangeJson, FlagDetailJson, FlagJson, FlagListJson } from '../../api/schemas/flag-schemas.ts';
import { flagRolloutCommand } from './flag-rollout-command.ts';

const enc = encodeURIComponent;
const flagPath = (name: string, env: string, key?: string): string => `/api/projects/${enc(name)}/environments/${enc(env)}/flags${key === undefined ? '' : `/${enc(key)}`}`;

/** What a flag serves, in a few words: `off`, `DISABLED (code default)`, `targeting → on/off`. */
function servedText(f: FlagJson): string {
  if (f.archived || f.served === null) return 'archived (FLAG_NOT_FOUND)';
  if (f.served.state === 'DISABLED') return 'DISABLED (code default)';
  const fractional = f.served.targeting?.fractional;
  if (Array.isArray(fractional)) {
    const buckets = fractional.filter((b): b is [string, number] => Array.isArray(b) && typeof b[0] === 'string');
    const total = buckets.reduce((n, b) => n + (typeof b[1] === 'number' ? b[1] : 1), 0);
    return buckets.map((b) => `${b[0]} ${Math.round(((typeof b[1] === 'number' ? b[1] : 1) / total) * 10_000) / 100}%`).join(', ');
  }
  const base = f.served.defaultVariant ?? '(code default)';
  return f.served.targeting && Object.keys(f.served.targeting).length ? `targeting, else ${base}` : base;
}

function printFlag(f: FlagJson & { version?: number }): void {
  console.log(`${f.key} (${f.type}${f.client ? ', client' : ''})${f.archived ? ` archived ${ago(f.archivedAt)}` : ''}: ${servedText(f)}`);
  console.log(`  variants: ${Object.entries(f.definition.variants).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  console.log(`  file:     state ${f.definition.state}, default ${String(f.definition.defaultVariant)}${f.definition.targeting ? `, targeting ${JSON.stringify(f.definition.targeting)}` : ''}`);
  console.log(`  override: ${f.override ? JSON.stringify(f.override) : 'none'}`);
  if (f.version !== undefined) console.log(`  version:  ${f.version}`);
}

export function flagCommands(program: Command, ctx: CliContext): void {
  const flag = program.command('flag').description('feature flags of an environment: defined in the flag file, changed at run time');
  flagRolloutCommand(flag, ctx);

  flag
    .command('list')
    .description('the flags of an environment: what each serves, its override, archived ones')
    .argument('<project>')
    .requiredOption('--env <env>', 'the environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<FlagListJson>(flagPath(name, o.env));
      if (o.json) return printJson(list);
      if (!list.flags.length) return console.log(`${name}/${o.env}: no flags (name a flag file with flags: in sluice.yaml)`);
      console.log(`${name}/${o.env}: flags version ${list.version}, from release ${list.release ?? '-'}`);
      console.log(table([['FLAG', 'TYPE', 'SERVES', 'OVERRIDE', 'CLIENT'], ...list.flags.map((f) => [f.key, f.type, servedText(f), f.override ? 'yes' : '-', f.client ? 'yes' : '-'])]));
    });

  flag
    .command('get')
    .description('one flag: its definition, override and what it serves')
    .argument('<project>')
    .argument('<key>')
    .requiredOption('--env <env>', 'the environment')
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: { env: string; json?: boolean }, cmd: Command) => {
      const f = await ctx.api(cmd).get<FlagDetailJson>(flagPath(name, o.env, key));
      if (o.json) return printJson(f);
      printFlag(f);
    });

  flag
    .command('set')
    .description('change a flag at run time (kept across deploys); returns once it is served')
    .argument('<project>')
    .argument('<key>')
    .requiredOption('--env <env>', 'the environment')
    .addOption(new Option('--on', 'serve the variant "on" (a boolean flag: its true variant) to everyone'))
    .addOption(new Option('--off', 'serve the variant "off" (a boolean flag: its false variant) to everyone'))
    .option('--variant <variant>', 'serve this variant to everyone')
    .option('--percent <n[:variant]>', 'serve the variant (default: on) to N % of users (by targeting key), the rest the off/default variant')
    .option('--disable', 'turn the flag off: evaluation answers the code default (flagd DISABLED)')
    .option('--enable', 'turn a disabled flag on again')
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: { env: string; on?: boolean; off?: boolean; variant?: string; percent?: string; disable?: boolean; enable?: boolean; json?: boolean }, cmd: Command) => {
      const chosen = [o.on && 'on', o.off && 'off', o.variant !== undefined && 'variant', o.percent !== undefined && 'percent', o.disable && 'disable', o.enable && 'enable'].filter((x): x is string => typeof x === 'string');
      if (chosen.length !== 1) throw new Error('give exactly one of --on, --off, --variant V, --percent N[:VARIANT], --disable, --enable');
      const body = commandBody(chosen[0]!, o);
      const f = await ctx.api(cmd).request<FlagDetailJson>('PUT', flagPath(name, o.env, key), body);
      if (o.json) return printJson(f);
      console.log(`${name}/${o.env} ${key}: ${servedText(f)} (version ${f.version}${f.published ? ', served' : ', stored; no evaluation endpoint configured'})`);
    });

  flag
    .command('history')
    .description('every change of a flag: version, when, who, what')
    .argument('<project>')
    .argument('<key>')
    .requiredOption('--env <env>', 'the environment')
    .option('--limit <n>', 'at most this many, newest first', '100')
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: { env: string; limit: string; json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<FlagChangeJson[]>(`${flagPath(name, o.env, key)}/history?limit=${enc(o.limit)}`);
      if (o.json) return printJson(list);
      console.log(table([['VERSION', 'AT', 'WHO', 'ACTION', 'WHAT'], ...list.map((c) => [String(c.version), c.at.slice(0, 19).replace('T', ' '), c.actor, c.action, c.summary])]));
    });

  flag
    .command('revert')
    .description('put a flag\'s run-time change back as it was at a version (sluice flag history)')
    .argument('<project>')
    .argument('<key>')
    .requiredOption('--env <env>', 'the environment')
    .requiredOption('--to <version>', 'the version to go back to')
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: { env: string; to: string; json?: boolean }, cmd: Command) => {
      const to = Number(o.to);
      if (!/^\d+$/.test(o.to)) throw new Error(`--to ${o.to}: expected a version number (sluice flag history shows them)`);
      const f = await ctx.api(cmd).post<FlagDetailJson>(`${flagPath(name, o.env, key)}/revert`, { to });
      if (o.json) return printJson(f);
      console.log(`${name}/${o.env} ${key}: ${servedText(f)} (version ${f.version}, back to ${to})`);
    });
}

function commandBody(kind: string, o: { variant?: string; percent?: string }): Record<string, unknown> {
  if (kind === 'variant') return { kind, variant: o.variant };
  if (kind !== 'percent') return { kind };
  const text = o.percent!;
  const [n, variant] = text.split(':', 2);
  const percent = Number(n);
  if (n === undefined || n.trim() === '' || !Number.isFinite(percent)) throw new Error(`--percent ${text}: expected N or N:VARIANT with N from 0 to 100`);
  return { kind, percent, ...(variant ? { variant } : {}) };
}
