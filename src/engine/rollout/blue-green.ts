// Blue/green: the new release (green) starts in full beside the current one (blue) and is
// reachable only through its preview hosts (next.ENV.PROJECT.BASE) and the request header
// `X-Sluice-Release: next` on the main hosts. The verify stage tests it there; the switch
// stage moves all traffic in one verified step. Blue stays warm for scaleDownDelay, so a
// rollback inside that window is a switch back, not a restart.
import { errorMessage } from '../../errors.ts';
import { checkBake, startBake } from './bake.ts';
import { startAll, stopWhere, type ReleaseRef } from './instances.ts';
import { markAborted, markLive } from './outcomes.ts';
import { planOf } from './rollout-plan.ts';
import { generationOf } from '../deploy/release-config.ts';
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';
import { removePreview, setTraffic } from './traffic.ts';

export const nextHeader = 'x-sluice-release';

function refs(v: RolloutView): { green: ReleaseRef; blue: ReleaseRef } {
  const t = v.target;
  const s = v.stable!;
  return {
    green: { project: t.project, environment: t.environment, number: t.number, artifactDigest: t.artifactDigest, config: v.targetConfig },
    blue: { project: s.project, environment: s.environment, number: generationOf(s, v.stableConfig), artifactDigest: s.artifactDigest, config: v.stableConfig! },
  };
}

async function abort(deps: RolloutDeps, v: RolloutView, reason: string): Promise<RolloutPatch> {
  const { green, blue } = refs(v);
  await setTraffic(deps, { project: blue.project, environment: blue.environment, config: blue.config }, [{ ref: blue, role: 'primary', weight: 100 }]);
  await removePreview(deps, green.project, green.environment, green.config);
  await stopWhere(deps, green.project, green.environment, (i) => i.labels.release === String(green.number));
  return markAborted(deps, v, reason);
}

export async function advanceBlueGreen(deps: RolloutDeps, v: RolloutView): Promise<RolloutPatch | null> {
  const { rollout } = v;
  if (rollout.abortRequested && (rollout.phase === 'start' || rollout.phase === 'ready')) return abort(deps, v, rollout.abortRequested);
  const { green, blue } = refs(v);
  const where = { project: green.project, environment: green.environment, config: green.config };
  switch (rollout.phase) {
    case 'start': {
      try {
        await startAll(deps, green, 'primary');
      } catch (error) {
        return abort(deps, v, `health gate: ${errorMessage(error)}`);
      }
      // Main hosts: blue takes all weighted traffic; the header reaches green on purpose.
      await setTraffic(deps, where, [{ ref: blue, role: 'primary', weight: 100 }, { ref: green, role: 'primary', weight: 0 }], {
        pin: { header: nextHeader, values: { next: `r${green.number}` } },
      });
      await setTraffic(deps, where, [{ ref: green, role: 'primary', weight: 100 }], { preview: true });
      deps.log(`green release ${green.number} is ready beside blue ${blue.number}; preview: http://next.${green.environment}.${green.project}.${deps.naming.baseDomain}:${deps.naming.routerPort}`);
      return { phase: 'ready', weightsJson: JSON.stringify({ stable: 100, canary: 0, baseline: 0 }) };
    }
    case 'ready':
      if (rollout.promoteRequested !== 'full') return null; // the switch stage (or `sluice promote`) asks for it
      return { phase: 'switch' };
    case 'switch': {
      await setTraffic(deps, where, [{ ref: green, role: 'primary', weight: 100 }]);
      await removePreview(deps, green.project, green.environment, green.config);
      await markLive(deps, v);
      const plan = planOf(rollout.strategyJson);
      const delay = plan.strategy.kind === 'blueGreen' ? plan.strategy.scaleDownDelayMs : 0;
      deps.log(`switched ${green.environment} to release ${green.number}; blue ${blue.number} stays warm for ${Math.round(delay / 1000)} s`);
      return {
        ...(await startBake(deps, v)),
        promoteRequested: null,
        weightsJson: JSON.stringify({ stable: 0, canary: 100, baseline: 0 }),
        scaleDownAt: new Date(deps.clock.now().getTime() + delay).toISOString(),
      };
    }
    case 'bake':
      return checkBake(deps, v);
    default:
      return null;
  }
}
