// `--oidc-role-map`: which groups (values of the claim named by --oidc-claim) give which role,
// optionally limited to projects and environments exactly as a token is. Pure: parsed once at
// start (a mistake stops the start naming the entry), applied at each sign-in.
//
//   GROUP=ROLE[:PROJECTS[:ENVIRONMENTS]]   entries separated by ","
//   PROJECTS, ENVIRONMENTS: names joined by "+", or "*" for every one
//   sluice-admins=admin,sluice-deployers=deployer,shop-team=deployer:shop,shop-ops=deployer:shop:staging+production
import { InvalidInputError } from '../errors.ts';
import { DNS_LABEL } from '../spec/names.ts';
import { roles, type Role } from './principal.ts';
import { roleAtLeast } from './permission.ts';

export interface RoleRule {
  group: string;
  role: Role;
  /** null: every project. */
  projects: readonly string[] | null;
  /** null: every environment. */
  environments: readonly string[] | null;
}

export interface MappedRole {
  role: Role;
  projects: readonly string[] | null;
  environments: readonly string[] | null;
  /** The groups whose rules gave this role. */
  groups: readonly string[];
}

const syntax = 'GROUP=ROLE[:PROJECTS[:ENVIRONMENTS]], entries separated by "," (PROJECTS/ENVIRONMENTS: names joined by "+", or "*")';

function namesOf(entry: string, what: string, text: string): string[] | null {
  if (text === '*') return null;
  const names = text.split('+');
  for (const n of names) {
    if (!DNS_LABEL.test(n)) throw new InvalidInputError(`--oidc-role-map entry ${JSON.stringify(entry)}: ${JSON.stringify(n)} is not a valid ${what} name (a DNS label: lowercase letters, digits and "-"), or "*" for every ${what}`);
  }
  return [...new Set(names)];
}

export function parseRoleMap(text: string): RoleRule[] {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new InvalidInputError(`--oidc-role-map is empty: give at least one ${syntax}`);
  const rules: RoleRule[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    if (eq <= 0) throw new InvalidInputError(`--oidc-role-map entry ${JSON.stringify(entry)} has no group: expected ${syntax}`);
    const group = entry.slice(0, eq).trim();
    const [role, projects, environments, ...rest] = entry.slice(eq + 1).trim().split(':');
    if (rest.length > 0) throw new InvalidInputError(`--oidc-role-map entry ${JSON.stringify(entry)} has too many ":" parts: expected ${syntax}`);
    if (!(roles as readonly string[]).includes(role ?? '')) throw new InvalidInputError(`--oidc-role-map entry ${JSON.stringify(entry)}: unknown role ${JSON.stringify(role)} (known: ${roles.join(', ')})`);
    if (seen.has(group)) throw new InvalidInputError(`--oidc-role-map names group ${JSON.stringify(group)} twice: give each group one entry`);
    seen.add(group);
    rules.push({
      group,
      role: role as Role,
      projects: projects === undefined ? null : namesOf(entry, 'project', projects),
      environments: environments === undefined ? null : namesOf(entry, 'environment', environments),
    });
  }
  return rules;
}

/** The groups a claim value carries: an array of strings, or one string. Anything else: none. */
export function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function union(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  return a === null || b === null ? null : [...new Set([...a, ...b])];
}

/**
 * The highest role among the rules of the user's groups; the scopes of the rules at that role are
 * joined (null, "every", wins). null: no group of the user is mapped, so no session.
 */
export function mapGroups(rules: readonly RoleRule[], groups: readonly string[]): MappedRole | null {
  const have = new Set(groups);
  const matched = rules.filter((r) => have.has(r.group));
  if (matched.length === 0) return null;
  const top = matched.reduce<Role>((best, r) => (roleAtLeast(r.role, best) ? r.role : best), 'viewer');
  const atTop = matched.filter((r) => r.role === top);
  return {
    role: top,
    projects: atTop.slice(1).reduce((acc, r) => union(acc, r.projects), atTop[0]!.projects),
    environments: atTop.slice(1).reduce((acc, r) => union(acc, r.environments), atTop[0]!.environments),
    groups: atTop.map((r) => r.group),
  };
}
