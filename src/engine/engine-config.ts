import type { RunLogPolicy } from './run-log-policy.ts';

// The engine's compiled configuration: defaults applied, durations in milliseconds.
export interface EngineConfig {
  dataDir: string;
  /** Runs that may execute at once on this server. */
  maxRuns: number;
  pollIntervalMs: number;
  /** A lease lapses this long after its holder's last heartbeat. */
  leaseMs: number;
  heartbeatMs: number;
  /** Lease holder id: host, pid and a random part, so a dead holder on this host is recognisable. */
  owner: string;
  hostname: string;
  path: string;
  home: string;
  baseDomain: string;
  routerPort: number;
  /** Artifacts kept beyond those a kept release references (the newest; recent runs' builds). */
  keepArtifacts: number;
  /** Releases kept per environment beyond the live, previous and rollback target (engine/deploy/release-retention.ts). */
  keepReleases: number;
  /** Per-step cap and per-project retention of run logs; default defaultRunLogPolicy. */
  runLogs?: RunLogPolicy;
}
