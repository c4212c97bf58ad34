// `sluice init --example hello DIR` and `sluice quickstart` (what `npm start` runs): the
// example service as a git repository of its own, registered and deployed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../config/package-root.ts';
import type { Command } from 'commander';
import { ApiError, ApiClient } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { storeCredential } from '../credentials.ts';
import { addServerOptions, launchServer, stopOnSignals, type ServerFlags } from './server-command.ts';

const examplesDir = path.join(packageRoot(), 'examples');

export function initExample(example: string, dir: string): string {
  const from = path.join(examplesDir, example);
  if (!fs.existsSync(from)) throw new Error(`no example named ${JSON.stringify(example)} (have: ${fs.readdirSync(examplesDir).join(', ')})`);
  const to = path.resolve(dir);
  if (fs.existsSync(to) && fs.readdirSync(to).length) throw new Error(`${to} exists and is not empty`);
  fs.cpSync(from, to, { recursive: true });
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: to, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Sluice quickstart', '-c', 'user.email=quickstart@sluice.invalid', 'commit', '-q', '-m', `The ${example} example`);
  return to;
}

export function quickstartCommands(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('copy an example project into DIR as a new git repository')
    .requiredOption('--example <name>', 'example to copy (hello)')
    .argument('<dir>')
    .action((dir: string, o: { example: string }) => {
      const to = initExample(o.example, dir);
      console.log(`created ${to} (a git repository on branch main); register it with: sluice project add ${o.example} --repo ${to}`);
    });
  addServerOptions(program.command('quickstart').description('start the server with the example project registered (what `npm start` runs)'))
    .option('--example-dir <dir>', 'where the example repository lives', 'sluice-hello')
    .action(async (flags: ServerFlags & { exampleDir: string }) => {
      const dir = path.resolve(flags.exampleDir);
      if (!fs.existsSync(path.join(dir, '.git'))) initExample('hello', dir);
      const server = await launchServer(ctx, flags);
      stopOnSignals(() => server.close(), server.logger);
      // Sign the local CLI in as the data directory's admin, so `npx sluice …` just works.
      const { adminTokenFileOf } = await import('../../server/ensure-admin-token.ts');
      const tokenFile = adminTokenFileOf(path.resolve(flags.data ?? ctx.env.dataDir));
      const token = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() : undefined;
      if (token) storeCredential(ctx.env.configDir, server.url, token);
      else console.error(`warning: ${tokenFile} is gone: sign in yourself (sluice login --server ${server.url})`);
      const api = new ApiClient(server.url, token);
      try {
        await api.post('/api/projects', { name: 'hello', repo: dir, branch: 'main' });
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'conflict')) throw error;
      }
      const port = server.routerPort === 80 ? '' : `:${server.routerPort}`;
      console.log(`
  Sluice is running. The example project "hello" is registered and its first run has started.

    production:  http://production.hello.${flags.baseDomain}${port}/
    staging:     http://staging.hello.${flags.baseDomain}${port}/
    repository:  ${dir}

  Watch it:      npx sluice runs hello        (or: npx sluice status hello)
  Change it:     edit ${path.join(dir, 'greeting.js')}, then git commit -am "new greeting"
                 the commit reaches production by itself within seconds.
`);
    });
}
