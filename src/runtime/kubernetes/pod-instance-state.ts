// Deployment and Pod status → the instance states and failure reasons the process runtime
// reports (src/runtime/process/instance.ts), so the engine reads one vocabulary on both.
import type { InstanceState } from '../process/types.ts';
import type { Manifest } from './manifests/index.ts';

/**
 * Exits before the first readiness that fail the instance. The process runtime allows 5 with a
 * 0.5 s back-off; the kubelet's back-off starts at 10 s and doubles, so 5 would take minutes,
 * past a rollout's readiness wait: the second early exit fails it here.
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts
 */
export const MAX_EARLY_EXITS = 2;

export interface ContainerStatus {
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: { exitCode?: number; signal?: number; message?: string } };
  lastState?: { terminated?: { exitCode?: number; signal?: number; message?: string } };
}

export interface PodView extends Manifest {
  spec?: { nodeName?: string };
  status?: { phase?: string; reason?: string; message?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: ContainerStatus[] };
}

export interface PodFacts {
  /** The pod was ready at least once (kept by the runtime, as status forgets it). */
  everReady: boolean;
  health: { path: string | null; deadlineMs: number };
  now: number;
}

const pullReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

export function isPodReady(pod: PodView): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The state and reason of the instance a pod runs (null pod: not created yet). */
export function podInstanceState(pod: PodView | null, facts: PodFacts): { state: InstanceState; reason: string | null; restarts: number } {
  if (!pod) return { state: 'starting', reason: null, restarts: 0 };
  const c = pod.status?.containerStatuses?.[0];
  const restarts = c?.restartCount ?? 0;
  if (pod.metadata.deletionTimestamp) return { state: 'stopping', reason: null, restarts };
  const waiting = c?.state?.waiting;
  if (waiting?.reason && pullReasons.has(waiting.reason)) {
    return { state: 'failed', reason: `image ${c?.image ?? '?'} cannot be pulled (${waiting.reason}): ${waiting.message ?? 'no message'}`, restarts };
  }
  const exit = c?.state?.terminated ?? (waiting?.reason === 'CrashLoopBackOff' ? c?.lastState?.terminated : undefined);
  if (exit) {
    const how = exit.exitCode !== undefined && exit.signal === undefined ? `exited with code ${exit.exitCode}` : `was killed by signal ${exit.signal ?? 'unknown'}`;
    if (!facts.everReady && restarts >= MAX_EARLY_EXITS) return { state: 'failed', reason: `start command ${how} before becoming ready: ${lastErrorLine(exit.message ?? '')}`, restarts };
    if (c?.state?.terminated) return { state: 'crashed', reason: `start command ${how}`, restarts };
    return { state: 'backoff', reason: `start command ${how}; restarting (${waiting?.message ?? 'CrashLoopBackOff'})`, restarts };
  }
  if (pod.status?.phase === 'Failed') return { state: 'failed', reason: `pod ${pod.metadata.name} failed: ${pod.status.reason ?? ''} ${pod.status.message ?? ''}`.trim(), restarts };
  if (isPodReady(pod)) return { state: 'ready', reason: null, restarts };
  if (facts.everReady) {
    const lost = pod.status?.reason === 'NodeLost' ? `node ${pod.spec?.nodeName ?? '?'} is lost: ${pod.status.message ?? ''}`.trim() : null;
    return { state: 'unhealthy', reason: lost ?? (facts.health.path ? `health check ${facts.health.path} fails` : 'the readiness probe fails'), restarts };
  }
  const since = Date.parse(pod.metadata.creationTimestamp ?? '');
  if (!Number.isNaN(since) && facts.now - since > facts.health.deadlineMs) {
    return {
      state: 'failed',
      reason: facts.health.path ? `health check ${facts.health.path} did not pass within ${facts.health.deadlineMs} ms` : `port did not accept connections within ${facts.health.deadlineMs} ms`,
      restarts,
    };
  }
  return { state: 'starting', reason: null, restarts };
}

/** The line that best explains an exit: the last error-looking one, else the last few (as the process runtime reads stderr). */
export function lastErrorLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return '(no termination message)';
  const errorLike = /error|exception|fatal|cannot|can't|not found|denied|refused|failed|no such/i;
  const line = [...lines].reverse().find((l) => errorLike.test(l) && !/^at\s/.test(l)) ?? lines.slice(-3).join(' | ');
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
