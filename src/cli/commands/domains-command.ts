// `sluice domains NAME [--env ENV] [--json]`: the custom domains of a project and their certificates.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson, table } from '../format.ts';
import type { DomainJson } from '../../api/schemas/observe-schemas.ts';

export function domainsCommand(program: Command, ctx: CliContext): void {
  program
    .command('domains')
    .description('custom domains of a project: environment, certificate state, expiry, issuer, last error')
    .argument('<project>')
    .option('--env <env>', 'only this environment')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { env?: string; json?: boolean }, cmd: Command) => {
      const query = o.env === undefined ? '' : `?env=${encodeURIComponent(o.env)}`;
      const list = await ctx.api(cmd).get<DomainJson[]>(`/api/projects/${encodeURIComponent(name)}/domains${query}`);
      if (o.json) return printJson(list);
      if (!list.length) return console.log(`${name}: no custom domains${o.env ? ` in ${o.env}` : ''} (add domains: [shop.example.com] to an environment in sluice.yaml)`);
      console.log(
        table([
          ['DOMAIN', 'ENVIRONMENT', 'CERTIFICATE', 'EXPIRES', 'ISSUER', 'LAST ERROR'],
          ...list.map((d) => [d.domain, d.environment, d.certificate.state, d.certificate.notAfter?.slice(0, 10) ?? '-', d.certificate.issuer ?? '-', d.certificate.lastError ?? '-']),
        ]),
      );
    });
}
