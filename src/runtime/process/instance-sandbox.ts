// An instance's sandbox: its release read-only at /app (also the working directory), its own
// writable /scratch (a host directory kept across its restarts), a private /tmp, the network
// shared (the router reaches it on its loopback port), and the service's limits.
import { bwrapArgs, SANDBOX_APP, SANDBOX_SCRATCH, type BwrapArgs, type Sandbox } from '../../sandbox/sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../sandbox/sandbox-limits.ts';
import type { InstanceSpec } from './types.ts';

export function instanceSandboxArgs(sandbox: Sandbox, spec: InstanceSpec, scratchDir: string): BwrapArgs {
  return bwrapArgs(sandbox, {
    command: spec.command,
    cwd: SANDBOX_APP,
    mounts: [
      { host: spec.cwd, at: SANDBOX_APP, writable: false },
      { host: scratchDir, at: SANDBOX_SCRATCH, writable: true },
    ],
    network: true,
    limits: spec.limits ?? DEFAULT_SANDBOX_LIMITS,
  });
}

/** How the shim starts the log line that names a limit the instance crossed. */
export const sandboxLimitPrefix = 'sluice: the instance ended: ';
