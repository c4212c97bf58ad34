// One Deployment per service of a release (and role): the release's image, pinned by digest, run
// with the service's start command, env, secret env (from the release's Secret), resources and
// a readiness probe from its `health`.
// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
import type { HealthSpec } from '../../../spec/spec.ts';
import type { SandboxLimits } from '../../../sandbox/sandbox-limits.ts';
import type { Manifest } from './object-meta.ts';
import { INSTANCE_LABELS_ANNOTATION, INSTANCES_ANNOTATION, READY_DEADLINE_ANNOTATION, labelsOf, namespaceOf, secretNameOf, selectorOf, workloadNameOf, type ReleaseObjectRef } from './names.ts';

/** The port every instance listens on (given as PORT, as the process runtime does). */
export const CONTAINER_PORT = 8080;
/** Failed probes in a row before a ready pod is not ready: the process runtime's unhealthy threshold. */
const FAILURES_BEFORE_UNREADY = 3;

export interface DeploymentInput {
  ref: ReleaseObjectRef;
  /** `host/repo:tag@sha256:…` from the release record. */
  image: string;
  command: string;
  env: Record<string, string>;
  /** Names of the variables kept in the release's Secret (values never in the Deployment). */
  secretKeys: string[];
  health: HealthSpec | null;
  limits?: SandboxLimits | undefined;
  /** The engine's instance ids on this Deployment; replicas is their count (0: scaled to zero). */
  instances: string[];
  /** The labels the engine gives each instance (kept in an annotation, as label values are restricted). */
  instanceLabels?: Record<string, string>;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

export function deploymentManifest(input: DeploymentInput): Manifest {
  const { ref, health } = input;
  const labels = labelsOf(ref);
  const probe = health
    ? { httpGet: { path: health.path, port: 'http' }, periodSeconds: seconds(health.intervalMs), timeoutSeconds: seconds(health.timeoutMs), failureThreshold: FAILURES_BEFORE_UNREADY }
    : { tcpSocket: { port: 'http' }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: FAILURES_BEFORE_UNREADY };
  const env = [
    ...Object.entries(input.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
    { name: 'PORT', value: String(CONTAINER_PORT) },
    ...[...input.secretKeys].sort().map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretNameOf(ref), key: name } } })),
  ];
  const memory = input.limits ? String(input.limits.memoryBytes) : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: workloadNameOf(ref),
      namespace: namespaceOf(ref.project, ref.environment),
      labels,
      annotations: {
        [INSTANCES_ANNOTATION]: input.instances.join(','),
        [INSTANCE_LABELS_ANNOTATION]: JSON.stringify(input.instanceLabels ?? { project: ref.project, environment: ref.environment, service: ref.service, release: String(ref.release), role: ref.role }),
        [READY_DEADLINE_ANNOTATION]: String(health?.deadlineMs ?? 60_000),
      },
    },
    spec: {
      replicas: input.instances.length,
      selector: { matchLabels: selectorOf(ref) },
      // The health deadline: past it without progress, the Deployment reports ProgressDeadlineExceeded.
      progressDeadlineSeconds: seconds(health?.deadlineMs ?? 60_000),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'app',
              image: input.image,
              command: ['/bin/sh', '-c', input.command],
              ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
              env,
              readinessProbe: probe,
              // A crash's last log lines become its termination message: the reason the runtime reports, as the process runtime quotes stderr.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              // Only a limit: the request defaults to it (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/).
              ...(memory ? { resources: { limits: { memory } } } : {}),
              securityContext: { allowPrivilegeEscalation: false },
            },
          ],
        },
      },
    },
  };
}
