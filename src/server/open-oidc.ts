// Single sign-on's parts, when --oidc-issuer is given: the OpenID client (discovering its provider
// in the background, so an unreachable issuer never stops the server) and its routes' dependencies.
import type { Logger } from '../engine/logger.ts';
import type { OidcSettings } from '../config/oidc-options.ts';
import { OidcLogin } from '../auth/oidc-login.ts';
import { LoginCookieSealer } from '../auth/oidc-login-cookie.ts';
import { oidcCallbackPath, type OidcRouteDeps } from '../api/oidc-routes.ts';

export interface OidcParts {
  api: OidcRouteDeps;
  start(): void;
  stop(): void;
}

export function openOidc(
  settings: OidcSettings,
  deps: { masterKey: Buffer; readSecret: (group: string, key: string) => Promise<string | null>; apiBase: () => string; logger: Logger },
): OidcParts {
  const login = new OidcLogin({
    settings,
    readSecret: deps.readSecret,
    redirectUri: () => `${deps.apiBase()}${oidcCallbackPath}`,
    sealer: new LoginCookieSealer(deps.masterKey),
    now: Date.now,
    info: (m) => deps.logger.info(m),
    warn: (m) => deps.logger.warn(m),
  });
  return {
    api: { login, logError: (m, e) => deps.logger.error(m, e) },
    start: () => login.start(),
    stop: () => login.stop(),
  };
}
