// Bake's second watch, beside error rate and latency: the new release's own instances. One
// that restarted (a crash, even with no traffic to show it) or that fails its health checks
// is a breach.
import { generationOf } from '../deploy/release-config.ts';
import { roleOf } from './instances.ts';
import type { RolloutDeps, RolloutView } from './rollout-deps.ts';

const BAD_STATES = new Set(['crashed', 'backoff', 'failed', 'unhealthy']);

/** Why the target release's instances breach, or null when they all run and pass their checks. */
export async function instanceBreach(deps: RolloutDeps, v: RolloutView): Promise<string | null> {
  const { project, environment } = v.target;
  const release = String(generationOf(v.target, v.targetConfig));
  const mine = (await deps.runtime.listInstances()).filter(
    (i) => i.labels.project === project && i.labels.environment === environment && i.labels.release === release && roleOf(i) !== 'baseline',
  );
  for (const i of mine) {
    if (BAD_STATES.has(i.state)) return `instance ${i.id} is ${i.state}${i.reason ? ` (${i.reason})` : ''}`;
    if (i.restarts > 0) return `instance ${i.id} restarted ${i.restarts} time(s)${i.reason ? ` (${i.reason})` : ''}`;
  }
  return null;
}
