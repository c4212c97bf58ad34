// `sluice token create|list|revoke` (admins), `sluice login` (stores a token for a server) and `sluice logout`.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { TokenJson } from '../../api/schemas/admin-schemas.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export function tokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('API tokens (admins): create, list, revoke');
  token
    .command('create')
    .description('create a token; its value is printed once and stored only as a hash')
    .argument('<name>', 'token name (a DNS label): the actor in the audit trail')
    .requiredOption('--role <role>', 'viewer, deployer or admin')
    .option('--project <name>', 'limit the token to this project (repeatable)', collect)
    .option('--env <name>', 'limit the token to this environment (repeatable)', collect)
    .option('--expires <duration>', 'expire after this long (e.g. 90d; default never)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { role: string; project?: string[]; env?: string[]; expires?: string; json?: boolean }, cmd: Command) => {
      const t = await ctx.api(cmd).post<TokenJson>('/api/tokens', { name, role: o.role, projects: o.project ?? null, environments: o.env ?? null, expires: o.expires ?? null });
      if (o.json) {
        printJson({ name: t.name, role: t.role, token: t.token, expiresAt: t.expiresAt, projects: t.projects, environments: t.environments });
        return;
      }
      console.log(t.token);
      console.error(`token ${t.name} (${t.role}${t.projects ? `, projects ${t.projects.join(', ')}` : ''}${t.environments ? `, environments ${t.environments.join(', ')}` : ''}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}): shown once, keep it now`);
    });
  token
    .command('list')
    .description('list tokens (never their values)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<TokenJson[]>('/api/tokens');
      if (o.json) printJson(list);
      else
        console.log(
          table([
            ['NAME', 'ROLE', 'PROJECTS', 'ENVIRONMENTS', 'EXPIRES', 'STATE'],
            ...list.map((t) => [t.name, t.role, t.projects?.join(',') ?? '*', t.environments?.join(',') ?? '*', t.expiresAt ?? 'never', t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= new Date().toISOString() ? 'expired' : 'active']),
          ]),
        );
    });
  token
    .command('revoke')
    .description('revoke a token: it is refused from now on')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const t = await ctx.api(cmd).post<TokenJson>(`/api/tokens/${encodeURIComponent(name)}/revoke`);
      if (o.json) printJson(t);
      else console.log(`token ${t.name} revoked`);
    });

  program
    .command('login')
    .description('store a token (read from standard input) for the server, in a 0600 file under the config directory')
    .action(async (_o: unknown, cmd: Command) => {
      const server = ctx.server(cmd);
      const value = await readStdin();
      if (!value) throw new Error('no token on standard input (e.g. sluice login < DATA/admin.token)');
      const { ApiClient } = await import('../api-client.ts');
      const me = await new ApiClient(server, value).get<{ name: string; role: string }>('/api/whoami');
      const { storeCredential } = await import('../credentials.ts');
      const file = storeCredential(ctx.env.configDir, server, value);
      console.log(`signed in to ${server} as ${me.name} (${me.role}); token stored in ${file}`);
    });
  program
    .command('logout')
    .description('forget the token `sluice login` stored for the server (the token stays valid: `sluice token revoke` ends it)')
    .action(async (_o: unknown, cmd: Command) => {
      const server = ctx.server(cmd);
      const { forgetCredential } = await import('../credentials.ts');
      console.log(forgetCredential(ctx.env.configDir, server) ? `signed out of ${server}: its stored token is removed` : `no token was stored for ${server}`);
    });
}
