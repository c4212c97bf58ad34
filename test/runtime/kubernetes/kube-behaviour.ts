import type { PodBehaviour, PodFacts } from '../../kubernetes/fake-deployment-controller.ts';

/** CONTRACT_APP acted out by the simulated kubelet, from its MODE. */
export function kubeBehaviour(pod: PodFacts): PodBehaviour {
  const mode = pod.env.MODE ?? 'ok';
  if (mode === 'crash') return { kind: 'crash', exitCode: 3, logs: ['hello from the instance', 'Error: boom'] };
  if (mode === 'sick') return { kind: 'never-ready', logs: ['hello from the instance'] };
  return { kind: 'ready', logs: ['hello from the instance'] };
}
