// `sluice server --oidc-*` → OidcSettings, checked here so that a mistake stops the start naming
// the option, instead of failing the first sign-in later (docs/decisions/0042-single-sign-on.md).
import { InvalidInputError } from '../errors.ts';
import { parseRoleMap, type RoleRule } from '../auth/oidc-role-map.ts';
import { parseDuration } from '../spec/duration.ts';
import { ENV_VAR_NAME, SECRET_GROUP_NAME } from '../spec/names.ts';

export interface OidcFlags {
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcClaim?: string;
  oidcRoleMap?: string;
  oidcScope?: string;
  oidcSessionMax?: string;
}

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Where the client secret is kept: read through the secret service at each sign-in. */
  clientSecret: { group: string; key: string };
  /** The claim whose values are looked up in the role map. */
  claim: string;
  roleMap: readonly RoleRule[];
  scope: string;
  /** A session started by a sign-in ends at the latest this long after it. */
  sessionMaxMs: number;
}

export const defaultOidcClaim = 'groups';
export const defaultOidcScope = 'openid email profile groups';
export const defaultOidcSessionMax = '8h';

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** null when no --oidc-* option is given; the settings when --oidc-issuer is; otherwise an error naming what is missing. */
export function oidcSettingsOf(flags: OidcFlags): OidcSettings | null {
  const given = Object.entries(flags).filter(([k, v]) => k.startsWith('oidc') && v !== undefined && !['oidcClaim', 'oidcScope', 'oidcSessionMax'].includes(k));
  if (flags.oidcIssuer === undefined) {
    if (given.length > 0) throw new InvalidInputError(`--oidc-client-id, --oidc-client-secret and --oidc-role-map need --oidc-issuer URL (the OpenID provider)`);
    return null;
  }
  let issuer: URL;
  try {
    issuer = new URL(flags.oidcIssuer);
  } catch {
    throw new InvalidInputError(`--oidc-issuer must be the https URL of an OpenID provider, got ${JSON.stringify(flags.oidcIssuer)}`);
  }
  // Plain HTTP only on loopback (a provider on this machine, tests): elsewhere codes and tokens would cross the network in clear.
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback.has(issuer.hostname))) {
    throw new InvalidInputError(`--oidc-issuer must be an https URL (http only on loopback), got ${JSON.stringify(flags.oidcIssuer)}`);
  }
  if (!flags.oidcClientId) throw new InvalidInputError('--oidc-issuer needs --oidc-client-id ID (the client registered at the provider)');
  if (!flags.oidcClientSecret) throw new InvalidInputError('--oidc-issuer needs --oidc-client-secret GROUP/KEY (the secret group and key holding the client secret: sluice secret set GROUP KEY)');
  const m = /^([^/]+)\/([^/]+)$/.exec(flags.oidcClientSecret);
  if (!m || !SECRET_GROUP_NAME.test(m[1]!) || !ENV_VAR_NAME.test(m[2]!)) {
    throw new InvalidInputError(`--oidc-client-secret must be GROUP/KEY (a secret group, and a key that is an environment variable name: sso/CLIENT_SECRET), got ${JSON.stringify(flags.oidcClientSecret)}`);
  }
  if (!flags.oidcRoleMap) throw new InvalidInputError('--oidc-issuer needs --oidc-role-map GROUP=ROLE,… (without it nobody could sign in)');
  const claim = flags.oidcClaim ?? defaultOidcClaim;
  if (!/^[\w.:/-]{1,100}$/.test(claim)) throw new InvalidInputError(`--oidc-claim must be a claim name (letters, digits, "_", ".", ":", "/", "-"), got ${JSON.stringify(claim)}`);
  const scope = flags.oidcScope ?? defaultOidcScope;
  if (!scope.split(/\s+/).includes('openid')) throw new InvalidInputError(`--oidc-scope must include "openid", got ${JSON.stringify(scope)}`);
  let sessionMaxMs: number;
  try {
    sessionMaxMs = parseDuration(flags.oidcSessionMax ?? defaultOidcSessionMax);
  } catch (error) {
    throw new InvalidInputError(`--oidc-session-max: ${(error as Error).message}`);
  }
  if (sessionMaxMs < 1000 || sessionMaxMs > 30 * 86_400_000) throw new InvalidInputError(`--oidc-session-max must be from 1s to 30d, got ${JSON.stringify(flags.oidcSessionMax)}`);
  return { issuer, clientId: flags.oidcClientId, clientSecret: { group: m[1]!, key: m[2]! }, claim, roleMap: parseRoleMap(flags.oidcRoleMap), scope, sessionMaxMs };
}
