// Feature flags of a server: stored per environment and published to the data plane's
// evaluation endpoints (FlagService), and flag rollouts (docs/decisions/0038): one driver behind
// a lease, resumed from the store at every start.
import type { Clock } from '../engine/clock.ts';
import { FlagRolloutDriver } from '../engine/flags/flag-rollout-driver.ts';
import { FlagRolloutService } from '../engine/flags/flag-rollout-service.ts';
import type { FlagService as FlagServiceType } from '../engine/flags/flag-service.ts';
import type { Logger } from '../engine/logger.ts';
import { SingletonLease } from '../engine/singleton-lease.ts';
import type { EventLog } from '../events/event-log.ts';
import type { FlagPublisher } from '../flags/flag-publisher.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES } from '../flags/flag-rollout-records.ts';
import type { FlagFigures } from '../engine/flags/flag-figures.ts';
import type { Store } from '../store/store.ts';

export interface ServerFlags {
  flags: FlagServiceType;
  rollouts: FlagRolloutService;
  driver: FlagRolloutDriver;
}

export interface ServerFlagsDeps {
  /** The class, passed in: it is loaded while the data plane starts (docs/decisions/0012). */
  FlagService: typeof FlagServiceType;
  store: Store;
  clock: Clock;
  logger: Logger;
  publisher: FlagPublisher;
  figures: FlagFigures;
  events: EventLog;
  /** Why flag rollouts cannot run here (src/server/traffic-sources.ts); undefined: they can. */
  rolloutsRefused?: string;
  lease: { owner: string; hostname: string; leaseMs: number };
}

export function openFlags(deps: ServerFlagsDeps): ServerFlags {
  const { store, clock, logger } = deps;
  const flags = new deps.FlagService({
    store,
    clock,
    logger,
    publisher: deps.publisher,
    // The router attributes requests to variants only for flags under a rollout.
    attributed: async (project, environment) => (await store.listFlagRollouts({ states: ACTIVE_FLAG_ROLLOUT_STATES, project, environment })).map((r) => r.flag),
  });
  const refused = deps.rolloutsRefused !== undefined ? { unattributed: deps.rolloutsRefused } : {};
  const driver = new FlagRolloutDriver(
    { store, flags, figures: deps.figures, clock, log: (line) => logger.info(line), events: deps.events, ...refused },
    { lease: new SingletonLease({ store, clock, name: 'flag-rollouts', ...deps.lease }) },
  );
  const rollouts = new FlagRolloutService({ store, flags, clock, wake: () => driver.wake(), ...refused });
  return { flags, rollouts, driver };
}
