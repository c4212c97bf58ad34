// The port between the control plane's flag state and the evaluation endpoints. `publish`
// resolves only once every endpoint serves the given version, so a `sluice flag set` that
// returns has taken effect (the 100 ms figure is measured from the CLI's return).
import type { EnvironmentFlags } from './environment-flags.ts';

export interface FlagPublisher {
  publish(flags: EnvironmentFlags): Promise<void>;
  /** The environment is gone (torn down, preview closed): its flags and keys stop answering. */
  withdraw(project: string, environment: string): Promise<void>;
}
