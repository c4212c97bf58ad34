// The control plane's FlagPublisher over the data-plane socket. The data plane checks, writes
// down and swaps in the environment's flags before it answers the PUT, and both of its
// evaluation endpoints (the loopback port and /_sluice/ofrep on the router) read the same table:
// publish() resolving means every endpoint serves that version.
import { RuntimeError } from '../errors.ts';
import type { EnvironmentFlags } from '../flags/environment-flags.ts';
import type { FlagPublisher } from '../flags/flag-publisher.ts';
import type { FlagKeyMaker } from '../flags/ofrep/flag-keys.ts';
import type { DataPlaneClient } from './data-plane-client.ts';
import type { ServedVersion } from './data-plane-flags.ts';

const path = (project: string, environment: string): string => `/flags/${encodeURIComponent(project)}/${encodeURIComponent(environment)}`;

export class DataPlaneFlagPublisher implements FlagPublisher {
  private readonly client: DataPlaneClient;
  private readonly keys: FlagKeyMaker;

  constructor(client: DataPlaneClient, keys: FlagKeyMaker) {
    this.client = client;
    this.keys = keys;
  }

  async publish(flags: EnvironmentFlags): Promise<void> {
    const served = await this.client.request<ServedVersion>('PUT', path(flags.project, flags.environment), { flags, keys: this.keys.hashes(flags.project, flags.environment) });
    // A newer version already there is fine (two publishes crossed); an older one cannot be.
    if (served.version < flags.version) throw new RuntimeError(`the data plane serves flags v${served.version} of ${flags.project}/${flags.environment}, not v${flags.version}`, { retryable: true });
  }

  async withdraw(project: string, environment: string): Promise<void> {
    try {
      await this.client.request('DELETE', path(project, environment));
    } catch (error) {
      if ((error as { code?: string }).code !== 'not_found') throw error;
    }
  }
}

/**
 * What an instance gets to evaluate its environment's flags: SLUICE_FLAGS_URL (plain) and
 * SLUICE_FLAGS_TOKEN (secret: sealed in the data plane's state, redacted from logs). Empty for
 * an instance without project and environment labels, or while the data plane does not answer.
 */
type Vars = { env: Record<string, string>; secretEnv: Record<string, string> };

export function flagsEnvironment(client: DataPlaneClient, keys: FlagKeyMaker): (labels: Record<string, string>) => Promise<Vars> {
  let port: number | null = null;
  return async (labels): Promise<Vars> => {
    const { project, environment } = labels;
    if (!project || !environment) return { env: {}, secretEnv: {} };
    // Asked each time: a data plane that had to choose a new port (its old one taken) is believed.
    const health = await client.health();
    if (health?.flagsPort) port = health.flagsPort;
    if (port === null) return { env: {}, secretEnv: {} };
    return { env: { SLUICE_FLAGS_URL: `http://127.0.0.1:${port}` }, secretEnv: { SLUICE_FLAGS_TOKEN: keys.key('server', project, environment) } };
  };
}
