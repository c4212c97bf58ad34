// API tokens: create (the value is returned once), list (never values), revoke, and turn an
// Authorization header into the Principal of the request. Every check reads the store, so a
// token revoked or expired on any server is refused at once by all of them.
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError, UnauthenticatedError } from '../errors.ts';
import type { Clock } from '../engine/clock.ts';
import { assertDnsLabel } from '../engine/names.ts';
import type { TokenRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { parseStored, StoredDataError } from '../store/stored-json.ts';
import { roles, type Principal, type Role } from './principal.ts';
import { hashToken, newTokenValue, tokenIdOf, tokenLength, tokenMatches, tokenPrefix } from './token-value.ts';

export interface NewToken {
  name: string;
  role: Role;
  projects: readonly string[] | null;
  environments: readonly string[] | null;
  /** Milliseconds from now; null: never expires. */
  expiresInMs: number | null;
  createdBy: string;
}

export interface TokenView {
  name: string;
  role: Role;
  projects: readonly string[] | null;
  environments: readonly string[] | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const roleSchema = z.enum(['viewer', 'deployer', 'admin']);
const namesSchema = z.array(z.string()).nullable();
/** The first token of a data directory. */
export const adminTokenName = 'admin';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

function viewOf(t: TokenRecord): TokenView {
  const role = roleSchema.safeParse(t.role);
  if (!role.success) throw new StoredDataError(`token ${t.name}`, `unknown role ${JSON.stringify(t.role)}`);
  return {
    name: t.name,
    role: role.data,
    projects: t.projects === null ? null : parseStored(namesSchema, t.projects, `token ${t.name}`),
    environments: t.environments === null ? null : parseStored(namesSchema, t.environments, `token ${t.name}`),
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  };
}

export class TokenService {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  async create(input: NewToken): Promise<TokenView & { token: string }> {
    assertDnsLabel('token', input.name);
    // Role names stand for roles in `approvers`: a token may not take one (the first admin is named admin, and is one).
    if (isRole(input.name) && !(input.name === adminTokenName && input.role === 'admin')) throw new InvalidInputError(`a token cannot be named ${input.name}: role names stand for roles in approvers lists`);
    if (!isRole(input.role)) throw new InvalidInputError(`role must be one of ${roles.join(', ')}, got ${JSON.stringify(input.role)}`);
    for (const p of input.projects ?? []) {
      if (!(await this.store.getProject(p))) throw new InvalidInputError(`no project named ${JSON.stringify(p)}: a token can be limited only to projects that exist`);
    }
    for (const e of input.environments ?? []) assertDnsLabel('environment', e);
    if (input.projects?.length === 0 || input.environments?.length === 0) throw new InvalidInputError('a token limited to no project or no environment could do nothing');
    if (input.expiresInMs !== null && !(input.expiresInMs > 0)) throw new InvalidInputError('expiry must be in the future');
    const now = this.clock.now();
    const { id, value } = newTokenValue();
    const record: TokenRecord = {
      name: input.name,
      id,
      hash: hashToken(value),
      role: input.role,
      projects: input.projects === null ? null : JSON.stringify([...new Set(input.projects)]),
      environments: input.environments === null ? null : JSON.stringify([...new Set(input.environments)]),
      createdBy: input.createdBy,
      createdAt: now.toISOString(),
      expiresAt: input.expiresInMs === null ? null : new Date(now.getTime() + input.expiresInMs).toISOString(),
      revokedAt: null,
    };
    await this.store.createToken(record);
    return { ...viewOf(record), token: value };
  }

  async list(): Promise<TokenView[]> {
    return (await this.store.listTokens()).map(viewOf);
  }

  async revoke(name: string): Promise<TokenView> {
    if (!(await this.store.revokeToken(name, this.clock.now().toISOString()))) {
      const known = (await this.store.listTokens()).find((t) => t.name === name);
      if (known) throw new ConflictError(`token ${name} is already revoked`);
      throw new NotFoundError('token', name, 'see `sluice token list`');
    }
    const t = (await this.store.listTokens()).find((r) => r.name === name);
    if (!t) throw new NotFoundError('token', name);
    // Its dashboard sessions end with it (each request checks the token too; this frees the rows).
    await this.store.deleteTokenSessions(t.id);
    return viewOf(t);
  }

  /** Whether the store holds no token at all (a new data directory, or one from before tokens). */
  async none(): Promise<boolean> {
    return (await this.store.listTokens()).length === 0;
  }

  /** The principal of an Authorization header; an UnauthenticatedError saying what is wrong otherwise. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined) throw new UnauthenticatedError('no token: send Authorization: Bearer TOKEN (sluice login, --token or SLUICE_TOKEN)');
    const match = /^Bearer ([^\s]+)$/.exec(header);
    if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer TOKEN"');
    const value = match[1]!;
    const id = tokenIdOf(value);
    if (id === null) throw new UnauthenticatedError(`not a Sluice token: expected ${tokenPrefix} and 64 hex digits (${tokenLength} characters), got ${value.length} characters`);
    const row = await this.store.getTokenById(id);
    if (!row || !tokenMatches(value, row.hash)) throw new UnauthenticatedError('unknown token');
    return this.principalOfRow(row);
  }

  /**
   * The principal of the token with this public id, as it is now (a dashboard session signed in
   * with it calls this on every request): revoked, expired or gone is an UnauthenticatedError.
   */
  async principalOfId(id: string): Promise<Principal> {
    const row = await this.store.getTokenById(id);
    if (!row) throw new UnauthenticatedError('the token this session was signed in with no longer exists');
    return this.principalOfRow(row);
  }

  /** The expiry of the token with this public id; null: it never expires. */
  async expiryOfId(id: string): Promise<string | null> {
    return (await this.store.getTokenById(id))?.expiresAt ?? null;
  }

  private async principalOfRow(row: TokenRecord): Promise<Principal> {
    if (row.revokedAt !== null) throw new UnauthenticatedError(`token ${row.name} was revoked at ${row.revokedAt}`);
    if (row.expiresAt !== null && row.expiresAt <= this.clock.now().toISOString()) throw new UnauthenticatedError(`token ${row.name} expired at ${row.expiresAt}`);
    const view = viewOf(row);
    if (view.projects !== null) {
      const live = await Promise.all(view.projects.map((p) => this.store.getProject(p)));
      if (live.every((p) => p === undefined)) throw new UnauthenticatedError(`token ${row.name} is limited to projects that no longer exist (${view.projects.join(', ')})`);
    }
    return { name: view.name, role: view.role, projects: view.projects, environments: view.environments };
  }
}
