// `sluice secret set/get/list/history/unset/grant/revoke-grant/rotate-key`. A value comes from
// standard input or a file, never from an argument (which would land in shell history and `ps`).
import fs from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { ago, printJson, table } from '../format.ts';

const enc = encodeURIComponent;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('value (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  // One trailing newline (from `echo` or a terminal) is not part of the value.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function secretCommand(program: Command, ctx: CliContext): void {
  const secret = program.command('secret').description('secret groups, shared by every project of the server (values never printed by list)');
  secret
    .command('set')
    .argument('<group>')
    .argument('<key>', 'an environment variable name')
    .option('--from-file <path>', 'read the value from a file instead of standard input')
    .option('--json', 'print JSON')
    .action(async (group: string, key: string, o: { fromFile?: string; json?: boolean }, cmd: Command) => {
      const value = o.fromFile ? fs.readFileSync(o.fromFile, 'utf8') : await readStdin();
      const r = await ctx.api(cmd).request<{ key: string; version: number }>('PUT', `/api/secrets/${enc(group)}/${enc(key)}`, { value });
      if (o.json) printJson(r);
      else console.log(`${group}/${key} set (version ${r.version})`);
    });
  secret
    .command('get')
    .description('print a value (audited)')
    .argument('<group>')
    .argument('<key>')
    // Not `--version`: the program's own option (print Sluice's version) is heard after a subcommand too.
    .option('--at-version <n>', 'an older version (see `sluice secret history`); default: the current one')
    .option('--json', 'print JSON')
    .action(async (group: string, key: string, o: { atVersion?: string; json?: boolean }, cmd: Command) => {
      const query = o.atVersion === undefined ? '' : `?version=${enc(o.atVersion)}`;
      const r = await ctx.api(cmd).get<{ key: string; version: number; value: string }>(`/api/secrets/${enc(group)}/${enc(key)}${query}`);
      if (o.json) printJson(r);
      else process.stdout.write(`${r.value}\n`);
    });
  secret
    .command('history')
    .description("a key's versions, newest first: who set or unset it and when (never a value)")
    .argument('<group>')
    .argument('<key>')
    .option('--json', 'print JSON')
    .action(async (group: string, key: string, o: { json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<Array<{ version: number; state: string; createdBy: string; createdAt: string }>>(`/api/secrets/${enc(group)}/${enc(key)}/versions`);
      if (o.json) return printJson(list);
      console.log(table([['VERSION', 'STATE', 'BY', 'AT'], ...list.map((v) => [String(v.version), v.state, v.createdBy, ago(v.createdAt)])]));
    });
  secret
    .command('list')
    .argument('[group]', 'a group (without it: the groups and the projects each is granted to)')
    .option('--json', 'print JSON')
    .action(async (group: string | undefined, o: { json?: boolean }, cmd: Command) => {
      if (!group) {
        const r = await ctx.api(cmd).get<{ groups: string[]; grants: Array<{ group: string; project: string }> }>('/api/secrets');
        const rows = r.groups.map((g) => ({ group: g, grantedTo: r.grants.filter((x) => x.group === g).map((x) => x.project) }));
        if (o.json) return printJson(rows);
        return console.log(table([['GROUP', 'GRANTED TO'], ...rows.map((x) => [x.group, x.grantedTo.join(', ') || '-'])]));
      }
      const list = await ctx.api(cmd).get<Array<{ key: string; version: number; createdBy: string; createdAt: string }>>(`/api/secrets/${enc(group)}`);
      if (o.json) return printJson(list);
      console.log(table([['KEY', 'VERSION', 'BY', 'UPDATED'], ...list.map((s) => [s.key, String(s.version), s.createdBy, ago(s.createdAt)])]));
    });
  secret
    .command('unset')
    .argument('<group>')
    .argument('<key>')
    .action(async (group: string, key: string, _o: unknown, cmd: Command) => {
      await ctx.api(cmd).request('DELETE', `/api/secrets/${enc(group)}/${enc(key)}`);
      console.log(`${group}/${key} removed`);
    });
  secret
    .command('grant')
    .description("let a project's sluice.yaml name a group (the project may be added later)")
    .argument('<group>')
    .requiredOption('--project <name>', 'the project')
    .option('--json', 'print JSON')
    .action(async (group: string, o: { project: string; json?: boolean }, cmd: Command) => {
      const r = await ctx.api(cmd).request<{ group: string; project: string; created: boolean }>('PUT', `/api/secrets/${enc(group)}/grants/${enc(o.project)}`);
      if (o.json) return printJson(r);
      console.log(`${group} ${r.created ? 'granted' : 'was already granted'} to ${o.project}`);
    });
  secret
    .command('revoke-grant')
    .description('take a grant back: runs and deploys of the project that name the group fail from then on (running instances keep their values)')
    .argument('<group>')
    .requiredOption('--project <name>', 'the project')
    .action(async (group: string, o: { project: string }, cmd: Command) => {
      await ctx.api(cmd).request('DELETE', `/api/secrets/${enc(group)}/grants/${enc(o.project)}`);
      console.log(`${group} no longer granted to ${o.project}`);
    });
  secret
    .command('rotate-key')
    .description('a new master key: every data key is re-wrapped under it (no downtime, no value re-encrypted)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await ctx.api(cmd).post<{ fingerprint: string; keyFile: string | null }>('/api/secrets/rotate-key');
      if (o.json) return printJson(r);
      console.log(`master key rotated (now ${r.fingerprint})${r.keyFile ? `; written to ${r.keyFile} — back it up` : ''}`);
    });
}
