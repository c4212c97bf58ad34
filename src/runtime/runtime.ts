// The Runtime port: where instances of a release run. The process runtime (runtime/process)
// runs them as local processes under the data plane; the Kubernetes runtime (runtime/kubernetes)
// runs them as the replicas of a Deployment per release and service.
import type { SandboxLimits } from '../sandbox/sandbox-limits.ts';

export interface HealthCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  deadlineMs: number;
}

export interface InstanceRequest {
  id: string;
  /** What `prepare` returned for the instance's release. */
  workdir: string;
  command: string;
  env: Record<string, string>;
  /** Secret values: given to the process, never written to disk in plain text. */
  secretEnv: Record<string, string>;
  health: HealthCheck | null;
  labels: Record<string, string>;
  /** Sandbox limits of the service; absent: the defaults. */
  limits?: SandboxLimits | undefined;
}

export interface InstanceInfo {
  id: string;
  state: string;
  port: number | null;
  pid: number | null;
  restarts: number;
  reason: string | null;
  labels: Record<string, string>;
}

export interface Runtime {
  /** Makes a release's files available where its instances run (idempotent). */
  prepare(release: { key: string; artifactDigest: string }): Promise<string>;
  /** Removes what `prepare` made for the key (no instance may use it); true when there was something. */
  removeRelease(key: string): Promise<boolean>;
  /** Starts an instance (idempotent for the same id). */
  startInstance(req: InstanceRequest): Promise<void>;
  /** Resolves once the instance is ready; rejects with the reason when it cannot become ready. */
  waitReady(id: string, timeoutMs: number): Promise<void>;
  /** Takes the instance out of traffic, lets in-flight requests finish, then stops it. */
  stopInstance(id: string): Promise<void>;
  listInstances(): Promise<InstanceInfo[]>;
  /** Where an instance's output lines are kept (JSON lines), when the runtime keeps them locally. */
  logFileOf(id: string): string | null;
}
