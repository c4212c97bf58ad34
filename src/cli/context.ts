// What every command needs: the API client (found through --server or SLUICE_SERVER).
import type { Command } from 'commander';
import type { Environment } from '../config/environment.ts';
import { ApiClient } from './api-client.ts';

export interface CliContext {
  env: Environment;
  api(cmd: Command): ApiClient;
}

export function cliContext(env: Environment): CliContext {
  return {
    env,
    api(cmd) {
      const opts = cmd.optsWithGlobals<{ server?: string }>();
      return new ApiClient(opts.server ?? env.server, env.user);
    },
  };
}
