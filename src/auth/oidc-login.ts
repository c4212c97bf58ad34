// Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce
// (openid-client does the protocol: discovery, the token request, the ID token's signature,
// issuer, audience, nonce and times). This class adds what Sluice decides: the provider is
// discovered in the background with the backoff helper (an unreachable issuer never stops the
// server), the client secret is read from its secret group at each sign-in, and the user's groups
// are mapped to a role and scopes. Who gets a session is decided here; the session is not.
import * as client from 'openid-client';
import { backoffDelay } from '../backoff.ts';
import { ErrorCode, errorMessage, ForbiddenError, InvalidInputError, SluiceError } from '../errors.ts';
import type { OidcSettings } from '../config/oidc-options.ts';
import { groupsOf, mapGroups } from './oidc-role-map.ts';
import { safeReturnPath } from './safe-return-path.ts';
import type { LoginCookieSealer, PendingLogin } from './oidc-login-cookie.ts';
import type { Principal } from './principal.ts';

export interface OidcLoginDeps {
  settings: OidcSettings;
  /** The client secret's value, read through the secret service; null when the key is not set. */
  readSecret: (group: string, key: string) => Promise<string | null>;
  /** `<public-url>/api/auth/oidc/callback`: the redirect URI registered at the provider. */
  redirectUri: () => string;
  sealer: LoginCookieSealer;
  now: () => number;
  info: (message: string) => void;
  warn: (message: string) => void;
  /** Discovery retries: the first after initialMs, doubling to maxMs. */
  retry?: { initialMs: number; maxMs: number };
}

export interface SignedIn {
  principal: Principal;
  issuer: string;
  subject: string;
  /** When the session must end at the latest (ms since the epoch): the sign-in plus --oidc-session-max. */
  expiresAt: number;
}

export type DiscoveryState = { phase: 'discovering'; attempt: number; lastError: string | null } | { phase: 'ready' } | { phase: 'stopped' };

const requestTimeoutS = 10;

function unavailable(message: string, cause?: unknown): SluiceError {
  return new SluiceError(ErrorCode.unavailable, message, { cause, retryable: true });
}

export class OidcLogin {
  private readonly deps: OidcLoginDeps;
  private server: client.ServerMetadata | null = null;
  private discovering: Promise<client.ServerMetadata> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastError: string | null = null;
  private stopped = false;

  constructor(deps: OidcLoginDeps) {
    this.deps = deps;
  }

  get issuer(): string {
    return this.deps.settings.issuer.href;
  }

  state(): DiscoveryState {
    if (this.stopped) return { phase: 'stopped' };
    return this.server ? { phase: 'ready' } : { phase: 'discovering', attempt: this.attempt, lastError: this.lastError };
  }

  /** Discovers the provider now and, until it answers, again with backoff. */
  start(): void {
    void this.discover().catch(() => {});
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private discover(): Promise<client.ServerMetadata> {
    if (this.server) return Promise.resolve(this.server);
    if (this.discovering) return this.discovering;
    const { issuer, clientId } = this.deps.settings;
    const options = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests], timeout: requestTimeoutS } : { timeout: requestTimeoutS };
    this.discovering = client.discovery(issuer, clientId, undefined, undefined, options).then(
      (config) => {
        this.server = config.serverMetadata();
        this.discovering = null;
        this.deps.info(`single sign-on: OpenID provider ${issuer.href} discovered`);
        return this.server;
      },
      (error: unknown) => {
        this.discovering = null;
        this.lastError = errorMessage(error);
        const retry = this.deps.retry ?? { initialMs: 1000, maxMs: 300_000 };
        const delay = backoffDelay(this.attempt++, retry.initialMs, retry.maxMs);
        this.deps.warn(`single sign-on: the OpenID provider ${issuer.href} could not be discovered (${this.lastError}); retrying in ${Math.ceil(delay / 1000)} s`);
        if (!this.stopped && !this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.discover().catch(() => {});
          }, delay);
          this.timer.unref();
        }
        throw unavailable(`single sign-on is not available: the OpenID provider ${issuer.href} could not be reached (${this.lastError}); Sluice keeps trying, or sign in with an API token`, error);
      },
    );
    return this.discovering;
  }

  private async configuration(): Promise<client.Configuration> {
    const server = await this.discover();
    const { clientId, clientSecret } = this.deps.settings;
    const secret = await this.deps.readSecret(clientSecret.group, clientSecret.key);
    if (secret === null) {
      throw unavailable(`single sign-on is not available: the client secret ${clientSecret.group}/${clientSecret.key} is not set (an admin sets it with: sluice secret set ${clientSecret.group} ${clientSecret.key})`);
    }
    const config = new client.Configuration(server, clientId, secret);
    config.timeout = requestTimeoutS;
    if (this.deps.settings.issuer.protocol === 'http:') client.allowInsecureRequests(config);
    return config;
  }

  /** The provider's authorization URL, and the sealed pending sign-in to keep in a cookie until the callback. */
  async begin(returnTo: string): Promise<{ url: string; cookie: string }> {
    const config = await this.configuration();
    const pending: PendingLogin = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), returnTo: safeReturnPath(returnTo), startedAt: this.deps.now() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.deps.redirectUri(),
      scope: this.deps.settings.scope,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, cookie: this.deps.sealer.seal(pending) };
  }

  /**
   * Checks the callback against the pending sign-in, redeems the code, and maps the user's groups.
   * Throws InvalidInputError (a wrong state, a refused code, a bad ID token), ForbiddenError (no
   * mapped group) or an unavailable SluiceError (provider unreachable).
   */
  async finish(query: URLSearchParams, cookie: string | undefined): Promise<SignedIn & { returnTo: string }> {
    const pending = this.deps.sealer.open(cookie, this.deps.now());
    if (!pending) throw new InvalidInputError('this sign-in has no pending request (its cookie is missing, altered or older than 10 minutes): start again from the sign-in page');
    const providerError = query.get('error');
    if (providerError !== null) {
      throw new InvalidInputError(`the OpenID provider refused the sign-in: ${providerError}${query.get('error_description') ? ` (${query.get('error_description')})` : ''}`);
    }
    if (query.get('state') !== pending.state) throw new InvalidInputError('the sign-in callback has the wrong state: it does not belong to the sign-in this browser started (start again from the sign-in page)');
    if (!query.get('code')) throw new InvalidInputError('the sign-in callback has no code');
    const config = await this.configuration();
    const current = new URL(this.deps.redirectUri());
    current.search = query.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (error) {
      throw this.refusal(error);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new InvalidInputError('the OpenID provider returned no ID token');
    const { claim, roleMap, sessionMaxMs } = this.deps.settings;
    let claims: Record<string, unknown> = { ...idClaims };
    // Many providers put groups (and e-mail) in the userinfo answer only, not in the ID token.
    if (!(claim in claims) || claims.email === undefined) {
      try {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...claims };
      } catch (error) {
        if (!(claim in claims)) throw this.refusal(error);
      }
    }
    const groups = groupsOf(claims[claim]);
    const who = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : idClaims.sub;
    const mapped = mapGroups(roleMap, groups);
    if (!mapped) {
      this.deps.warn(`single sign-on: ${who} refused: no group of claim "${claim}" (${groups.length ? groups.join(', ') : 'none'}) is in --oidc-role-map`);
      throw new ForbiddenError(
        `${who} may not use Sluice: none of your groups (claim "${claim}": ${groups.length ? groups.join(', ') : 'none'}) is given a role. Ask an administrator to add one of them to --oidc-role-map.`,
        { groups },
      );
    }
    const principal: Principal = { name: `oidc:${who}`, role: mapped.role, projects: mapped.projects, environments: mapped.environments };
    return { principal, issuer: idClaims.iss, subject: idClaims.sub, expiresAt: this.deps.now() + sessionMaxMs, returnTo: pending.returnTo };
  }

  /** An error of the code exchange or the ID token's checks, as a clear refusal. */
  private refusal(error: unknown): SluiceError {
    if (error instanceof SluiceError) return error;
    if (error instanceof client.ResponseBodyError) {
      return new InvalidInputError(`the OpenID provider refused the code: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`);
    }
    const cause = (error as { cause?: unknown }).cause;
    if (error instanceof TypeError || (cause instanceof Error && /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|fetch failed/.test(`${cause.message} ${(cause as NodeJS.ErrnoException).code ?? ''}`))) {
      return unavailable(`the OpenID provider ${this.issuer} could not be reached: ${errorMessage(error)}`, error);
    }
    return new InvalidInputError(`the sign-in was refused: ${errorMessage(error)}`);
  }
}
