// What every command needs: the API client (found through --server or SLUICE_SERVER), with the
// token from --token, SLUICE_TOKEN, or what `sluice login` stored for that server, in that order.
import type { Command } from 'commander';
import type { Environment } from '../config/environment.ts';
import { ApiClient } from './api-client.ts';
import { storedToken } from './credentials.ts';

export interface CliContext {
  env: Environment;
  api(cmd: Command): ApiClient;
  /** The server a command talks to. */
  server(cmd: Command): string;
}

export function cliContext(env: Environment): CliContext {
  const server = (cmd: Command): string => cmd.optsWithGlobals<{ server?: string }>().server ?? env.server;
  return {
    env,
    server,
    api(cmd) {
      const base = server(cmd);
      const flag = cmd.optsWithGlobals<{ token?: string }>().token;
      let token = flag ?? env.token;
      if (token === undefined) {
        try {
          token = storedToken(env.configDir, base, (m) => console.error(`warning: ${m}`));
        } catch {
          token = undefined; // a --server that is not a URL: the request reports it
        }
      }
      return new ApiClient(base, token);
    },
  };
}
