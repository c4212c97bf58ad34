// Name patterns shared by the schema and code that must not load the schema (zod, yaml) to check
// a name, such as the secret service in an idle server.
/** A project, service or environment name (DESIGN.md, Names). */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Secret groups whose names start with this are kept by Sluice for itself (git-host tokens). */
export const RESERVED_SECRET_GROUP_PREFIX = 'sluice.';

/** A group Sluice keeps for itself: never named in a sluice.yaml, never granted. */
export function isReservedSecretGroup(group: string): boolean {
  return group.startsWith(RESERVED_SECRET_GROUP_PREFIX);
}
