// Dashboard sessions: started after a sign-in (a pasted token, or OIDC), found by the hash of the
// cookie value on every request, ended by sign-out, idleness, their absolute age, or the end of
// the token they were signed in with. A token session's principal is the token's as it is now,
// so roles and scopes apply exactly as for the token.
import { z } from 'zod';
import { UnauthenticatedError } from '../errors.ts';
import type { Clock } from '../engine/clock.ts';
import type { SessionRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { parseStored, StoredDataError } from '../store/stored-json.ts';
import type { Principal } from './principal.ts';
import type { SessionOrigin } from './session-origin.ts';
import { csrfTokenOf, isSessionValue, newSessionValue, sessionIdOf } from './session-value.ts';
import { tokenIdOf } from './token-value.ts';
import type { TokenService } from './token-service.ts';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxAgeMs: number;
}

export const defaultSessionPolicy: SessionPolicy = { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 24 * 3_600_000 };

/** A session that authenticated a request. */
export interface ActiveSession {
  principal: Principal;
  kind: SessionOrigin['kind'];
  csrfToken: string;
  /** The absolute end. */
  expiresAt: string;
  /** When it ends if unused from now. */
  idleExpiresAt: string;
}

export interface StartedSession extends ActiveSession {
  /** The cookie value (never stored). */
  value: string;
}

const roleSchema = z.enum(['viewer', 'deployer', 'admin']);
const namesSchema = z.array(z.string()).nullable();
const kindSchema = z.enum(['token', 'oidc']);
/** Touch the row at most this often (a write per request would be a write per page load). */
const maxTouchEveryMs = 60_000;

export class SessionService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly tokens: TokenService;
  readonly policy: SessionPolicy;

  constructor(deps: { store: Store; clock: Clock; tokens: TokenService; policy: SessionPolicy }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.tokens = deps.tokens;
    this.policy = deps.policy;
  }

  /** Starts a session for `principal`, signed in as `origin` says. */
  async start(principal: Principal, origin: SessionOrigin): Promise<StartedSession> {
    const now = this.clock.now();
    let end = now.getTime() + this.policy.maxAgeMs;
    let tokenId: string | null = null;
    if (origin.kind === 'token') {
      tokenId = tokenIdOf(origin.token);
      if (tokenId === null) throw new UnauthenticatedError('not a Sluice token');
      const tokenEnd = await this.tokens.expiryOfId(tokenId);
      if (tokenEnd !== null) end = Math.min(end, Date.parse(tokenEnd));
    } else if (origin.expiresAt !== undefined) {
      end = Math.min(end, origin.expiresAt.getTime());
    }
    if (end <= now.getTime()) throw new UnauthenticatedError('the sign-in has already expired');
    // Sign-ins are rare: each clears the sessions that ended, so the table holds only live ones.
    await this.store.deleteStaleSessions(now.toISOString(), new Date(now.getTime() - this.policy.idleMs).toISOString());
    const value = newSessionValue();
    const record: SessionRecord = {
      id: sessionIdOf(value),
      kind: origin.kind,
      name: principal.name,
      role: principal.role,
      projects: principal.projects === null ? null : JSON.stringify(principal.projects),
      environments: principal.environments === null ? null : JSON.stringify(principal.environments),
      tokenId,
      issuer: origin.kind === 'oidc' ? origin.issuer : null,
      subject: origin.kind === 'oidc' ? origin.subject : null,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(end).toISOString(),
    };
    await this.store.createSession(record);
    return { value, principal, kind: origin.kind, csrfToken: csrfTokenOf(value), expiresAt: record.expiresAt, idleExpiresAt: this.idleEnd(now.getTime()) };
  }

  /** The session of a cookie value; an UnauthenticatedError saying why there is none. */
  async authenticate(value: string): Promise<ActiveSession> {
    if (!isSessionValue(value)) throw new UnauthenticatedError('the session cookie is malformed: sign in again');
    const id = sessionIdOf(value);
    const row = await this.store.getSession(id);
    if (!row) throw new UnauthenticatedError('no such session (signed out, or ended): sign in again');
    const now = this.clock.now().getTime();
    const nowIso = new Date(now).toISOString();
    if (row.expiresAt <= nowIso) return this.ended(id, `the session expired at ${row.expiresAt}: sign in again`);
    const idleEnd = Date.parse(row.lastSeenAt) + this.policy.idleMs;
    if (idleEnd <= now) return this.ended(id, `the session ended after ${Math.round(this.policy.idleMs / 60_000)} min unused: sign in again`);
    let principal: Principal;
    if (row.tokenId !== null) {
      try {
        principal = await this.tokens.principalOfId(row.tokenId);
      } catch (error) {
        if (error instanceof UnauthenticatedError) return this.ended(id, `the session ended with its token: ${error.message}`);
        throw error;
      }
    } else {
      principal = principalOfRow(row);
    }
    if (now - Date.parse(row.lastSeenAt) >= Math.min(maxTouchEveryMs, this.policy.idleMs / 10)) await this.store.touchSession(id, nowIso);
    return { principal, kind: kindOf(row), csrfToken: csrfTokenOf(value), expiresAt: row.expiresAt, idleExpiresAt: this.idleEnd(now) };
  }

  /** Ends the session of a cookie value; false when there was none. */
  async end(value: string): Promise<boolean> {
    return isSessionValue(value) && this.store.deleteSession(sessionIdOf(value));
  }

  private idleEnd(from: number): string {
    return new Date(from + this.policy.idleMs).toISOString();
  }

  private async ended(id: string, why: string): Promise<never> {
    await this.store.deleteSession(id);
    throw new UnauthenticatedError(why);
  }
}

function kindOf(row: SessionRecord): SessionOrigin['kind'] {
  const kind = kindSchema.safeParse(row.kind);
  if (!kind.success) throw new StoredDataError(`session of ${row.name}`, `unknown kind ${JSON.stringify(row.kind)}`);
  return kind.data;
}

function principalOfRow(row: SessionRecord): Principal {
  const role = roleSchema.safeParse(row.role);
  if (!role.success) throw new StoredDataError(`session of ${row.name}`, `unknown role ${JSON.stringify(row.role)}`);
  return {
    name: row.name,
    role: role.data,
    projects: row.projects === null ? null : parseStored(namesSchema, row.projects, `session of ${row.name}`),
    environments: row.environments === null ? null : parseStored(namesSchema, row.environments, `session of ${row.name}`),
  };
}
