// Who is calling the API: the token (or session) that authenticated the request.
// Set on every request by the authentication hook before any route runs; null only for
// routes that need no token (webhooks, health).
export type Role = 'viewer' | 'deployer' | 'admin';

export const roles: readonly Role[] = ['viewer', 'deployer', 'admin'];

export interface Principal {
  /** The token's name: the actor in the audit trail. */
  name: string;
  role: Role;
  /** Projects the token is limited to; null means every project. */
  projects: readonly string[] | null;
  /** Environments the token is limited to; null means every environment. */
  environments: readonly string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}
