// The API (createApi) on a loopback socket over a real SQLite store, with real tokens, sessions
// and audit trail and a clock the test moves; routes that need the engine are not called (a test
// may pass the parts its routes need).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApi } from '../../src/api/create-api.ts';
import type { ApiDeps } from '../../src/api/routes.ts';
import { TokenService } from '../../src/auth/token-service.ts';
import { SessionService, type SessionPolicy } from '../../src/auth/session-service.ts';
import type { FailureLimit } from '../../src/auth/failure-limiter.ts';
import type { Clock } from '../../src/engine/clock.ts';
import { AuditTrail } from '../../src/engine/audit/audit-trail.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';

export interface SessionApiKit {
  url: string;
  store: SqlStore;
  tokens: TokenService;
  audit: AuditTrail;
  adminToken: string;
  /** Moves the clock of tokens and sessions forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** `deps`: real parts for route groups a test calls (over the kit's store and clock); the rest stay inert. */
export async function startSessionApi(opts: { policy: SessionPolicy; failureLimit?: FailureLimit; publicOrigin?: string; deps?: (store: SqlStore, clock: Clock) => Promise<Partial<ApiDeps>> }): Promise<SessionApiKit> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-session-api-'));
  const store = openSqliteStore(path.join(dir, 'sluice.db'));
  await store.migrate();
  let offset = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offset), sleep: async () => {} };
  const tokens = new TokenService({ store, clock });
  const sessions = new SessionService({ store, clock, tokens, policy: opts.policy });
  const audit = new AuditTrail(store, clock);
  const admin = await tokens.create({ name: 'admin', role: 'admin', projects: null, environments: null, expiresInMs: null, createdBy: 'test' });
  const inert = {} as never;
  const deps: ApiDeps = { engine: inert, secretApi: inert, backupApi: inert, deployer: inert, auditTrail: audit, domainApi: inert, alertApi: inert, notificationApi: inert, metricsApi: inert, doraApi: inert, renderApi: inert, flagApi: inert, logApi: inert, liveApi: inert, apiBase: () => 'http://127.0.0.1:1', onShutdownDataPlane: async () => {}, ...(await opts.deps?.(store, clock)) };
  const { app } = createApi(deps, {
    logErrors: (m, e) => console.error(m, e),
    warn: () => {},
    tokens,
    sessions,
    authConfig: () => ({ oidc: false }),
    webRoot: null,
    hosts: new Set(['127.0.0.1', 'dash.example.com']),
    publicOrigin: opts.publicOrigin ?? null,
    failureLimit: opts.failureLimit ?? { max: 1000, windowMs: 60_000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    store,
    tokens,
    audit,
    adminToken: admin.token,
    advance: (ms) => void (offset += ms),
    async close() {
      await app.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The session cookie's value in a response's Set-Cookie; undefined when none is set. */
export function sessionCookieIn(res: Response): { value: string; attributes: string } | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('sluice_session='));
  if (!header) return undefined;
  const semi = header.indexOf(';');
  return { value: header.slice('sluice_session='.length, semi), attributes: header.slice(semi + 1) };
}

export async function signIn(kit: SessionApiKit, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${kit.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: kit.url, ...headers }, body: JSON.stringify({ token }) });
}
