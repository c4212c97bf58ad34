// The API's real route table: createApi() with inert dependencies (nothing is called while
// routes are registered), so tests see exactly the routes and permissions the server has.
import type { Store } from '../../src/store/store.ts';
import { createApi } from '../../src/api/create-api.ts';
import type { ApiDeps } from '../../src/api/routes.ts';
import type { RouteEntry } from '../../src/api/request-guard.ts';
import { TokenService } from '../../src/auth/token-service.ts';
import { defaultSessionPolicy, SessionService } from '../../src/auth/session-service.ts';
import { defaultFailureLimit } from '../../src/auth/failure-limiter.ts';
import { systemClock } from '../../src/engine/clock.ts';

export async function apiRouteTable(): Promise<readonly RouteEntry[]> {
  const inert = {} as never;
  const deps: ApiDeps = { engine: inert, secretApi: inert, backupApi: inert, deployer: inert, auditTrail: inert, domainApi: inert, alertApi: inert, notificationApi: inert, metricsApi: inert, doraApi: inert, renderApi: inert, flagApi: inert, logApi: inert, liveApi: inert, flagKeyApi: inert, apiBase: () => 'http://127.0.0.1:1', onShutdownDataPlane: async () => {} };
  const { app, routes } = createApi(deps, {
    logErrors: () => {},
    warn: () => {},
    tokens: new TokenService({ store: {} as Store, clock: systemClock }),
    sessions: new SessionService({ store: {} as Store, clock: systemClock, tokens: new TokenService({ store: {} as Store, clock: systemClock }), policy: defaultSessionPolicy }),
    authConfig: () => ({ oidc: false }),
    webRoot: '/nonexistent',
    hosts: new Set(['127.0.0.1']),
    publicOrigin: null,
    failureLimit: defaultFailureLimit,
  });
  await app.ready(); // plugins (the webhook scope) add their routes here
  await app.close();
  return routes;
}
