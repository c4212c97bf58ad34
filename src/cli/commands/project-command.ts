import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { ProjectJson } from '../../api/schemas/project-schemas.ts';

/** A local path is sent absolute: the server may run in another directory. */
export function normalizeRepo(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^:]+:/.test(repo)) return repo;
  return fs.existsSync(repo) ? path.resolve(repo) : repo;
}

function printProject(p: ProjectJson): void {
  console.log(`project ${p.name}: ${p.repo} (branch ${p.branch})`);
  console.log(`webhook secret: ${p.webhooks.secret ?? (p.webhooks.secretSet ? '(set; admins see it with project show)' : '(none)')}`);
  for (const [host, url] of Object.entries(p.webhooks.urls)) console.log(`  ${host.padEnd(9)} ${url}`);
}

export function projectCommand(program: Command, ctx: CliContext): void {
  const project = program.command('project').description('register and inspect projects');
  project
    .command('add')
    .description('register a git repository (local path, file:// or any URL git can clone)')
    .argument('<name>', 'project name (a DNS label)')
    .requiredOption('--repo <path-or-url>', 'the repository')
    .option('--branch <branch>', 'tracked branch', 'main')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { repo: string; branch: string; json?: boolean }, cmd: Command) => {
      const p = await ctx.api(cmd).post<ProjectJson>('/api/projects', { name, repo: normalizeRepo(o.repo), branch: o.branch });
      if (o.json) printJson(p);
      else printProject(p);
    });
  project
    .command('show')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const p = await ctx.api(cmd).get<ProjectJson>(`/api/projects/${encodeURIComponent(name)}`);
      if (o.json) printJson(p);
      else printProject(p);
    });
  project
    .command('rotate-webhook-secret')
    .description('replace the webhook secret (deliveries signed with the old one are refused from now on)')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const p = await ctx.api(cmd).post<ProjectJson>(`/api/projects/${encodeURIComponent(name)}/rotate-webhook-secret`);
      if (o.json) printJson(p);
      else printProject(p);
    });
  project
    .command('status-target')
    .description('post run states as commit statuses to the git host (token from standard input)')
    .argument('<name>')
    .requiredOption('--host <host>', 'github, gitlab, bitbucket or gitea')
    .requiredOption('--repo <path>', 'owner/name (GitLab: the project path)')
    .option('--api-url <url>', 'API base URL (self-hosted GitLab, Gitea, GitHub Enterprise)')
    .action(async (name: string, o: { host: string; repo: string; apiUrl?: string }, cmd: Command) => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const token = Buffer.concat(chunks).toString('utf8').trim();
      await ctx.api(cmd).request('PUT', `/api/projects/${encodeURIComponent(name)}/status-target`, { host: o.host, repo: o.repo, apiUrl: o.apiUrl, token });
      console.log(`${name}: run states will be posted to ${o.host} ${o.repo}`);
    });
  project
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const list = await ctx.api(cmd).get<ProjectJson[]>('/api/projects');
      if (o.json) printJson(list);
      else console.log(table([['NAME', 'BRANCH', 'REPO'], ...list.map((p) => [p.name, p.branch, p.repo])]));
    });
}
