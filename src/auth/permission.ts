// What a route needs, declared where the route is defined (its Fastify `config.permission`),
// and the rules that compare a principal with it. Pure: no HTTP, no store.
import { ForbiddenError } from '../errors.ts';
import { roles, type Principal, type Role } from './principal.ts';

export type Permission =
  /** No token: webhooks (their signatures authenticate them) and health checks. */
  | { readonly public: true }
  /**
   * A token of at least `role`. `global`: the route is about no project (secrets, tokens,
   * backup, the data plane), so a token limited to projects or environments may not use it.
   */
  | { readonly role: Role; readonly global?: boolean; readonly oneEnvironment?: boolean };
// `oneEnvironment`: a change to one environment (rollback, promote, approve…). A token limited to
// environments may make only such changes, and only to its environments; anything else it may
// only read (a run deploys to every environment, a project's settings serve them all).

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
}

/** The permissions routes declare: `{ config: { permission: need.deployer } }`. */
export const need = {
  public: { public: true },
  viewer: { role: 'viewer' },
  deployer: { role: 'deployer' },
  deployerOneEnvironment: { role: 'deployer', oneEnvironment: true },
  admin: { role: 'admin' },
  viewerGlobal: { role: 'viewer', global: true },
  adminGlobal: { role: 'admin', global: true },
} as const satisfies Record<string, Permission>;

export function roleAtLeast(have: Role, need: Role): boolean {
  return roles.indexOf(have) >= roles.indexOf(need);
}

export function isScoped(p: Principal): boolean {
  return p.projects !== null || p.environments !== null;
}

/** Throws a ForbiddenError naming what is missing: the role needed, or an unlimited token. */
export function assertAllowed(p: Principal, permission: Exclude<Permission, { public: true }>, mutation: boolean): void {
  if (!roleAtLeast(p.role, permission.role)) {
    throw new ForbiddenError(`this needs the ${permission.role} role; token ${p.name} is ${p.role}`, { needed: permission.role, role: p.role });
  }
  if (permission.global && isScoped(p)) {
    throw new ForbiddenError(`this needs a token not limited to projects or environments; token ${p.name} is limited`, { needed: permission.role, scoped: true });
  }
  if (mutation && p.environments !== null && !permission.oneEnvironment) {
    throw new ForbiddenError(`this change concerns every environment; token ${p.name} is limited to ${p.environments.join(', ')}`, { needed: permission.role, scoped: true });
  }
}

export function seesProject(p: Principal | null, project: string): boolean {
  return p === null || p.projects === null || p.projects.includes(project);
}

export function seesEnvironment(p: Principal | null, environment: string): boolean {
  return p === null || p.environments === null || p.environments.includes(environment);
}
