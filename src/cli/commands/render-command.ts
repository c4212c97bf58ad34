// `sluice render NAME --env ENV [--release N] [--gateway NS/NAME]`: the Kubernetes manifests of a
// release (Namespace, Secret keys, Deployments, Services, HTTPRoutes with the rollout's current
// weights) as multi-document YAML, from any server — for review, or for a GitOps repository.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { printJson } from '../format.ts';
import type { Rendered } from '../../render/render-release.ts';

export function renderCommand(program: Command, ctx: CliContext): void {
  program
    .command('render')
    .description('print the Kubernetes manifests of a release, with the current rollout step’s weights, as YAML')
    .argument('<project>')
    .requiredOption('--env <environment>', 'environment')
    .option('--release <n>', 'release number (default: the one rolling out, else the live one)')
    .option('--gateway <namespace/name>', 'the Gateway the HTTPRoutes attach to (default: the server’s --gateway, else sluice-system/sluice)')
    .option('--json', 'print JSON (the manifests and the weights)')
    .action(async (name: string, o: { env: string; release?: string; gateway?: string; json?: boolean }, cmd: Command) => {
      const q = new URLSearchParams();
      if (o.release !== undefined) q.set('release', o.release);
      if (o.gateway !== undefined) q.set('gateway', o.gateway);
      const query = q.size ? `?${q.toString()}` : '';
      const r = await ctx.api(cmd).get<Rendered>(`/api/projects/${encodeURIComponent(name)}/environments/${encodeURIComponent(o.env)}/render${query}`);
      if (o.json) return printJson({ release: r.release, weights: r.weights, manifests: r.manifests });
      const weights = Object.entries(r.weights).map(([release, w]) => `${release} ${w}`).join(', ');
      process.stdout.write(`# sluice render ${name} --env ${o.env}: release ${r.release}; weights ${weights}\n${r.yaml}`);
    });
}
