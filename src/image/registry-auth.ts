// The distribution spec's authentication: a 401 carries `WWW-Authenticate`; `Bearer realm=…,
// service=…,scope=…` asks for a token from the realm (with Basic credentials when we have them,
// anonymously otherwise: docs.docker.com/registry/spec/auth/token), `Basic` asks for the
// credentials on every request. Tokens are kept per scope for the client's life (one build).
import { ImageError, errorMessage } from '../errors.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
  /** The secret group they came from, for messages (never the values). */
  group: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://auth",service="reg",scope="repository:a:pull"` → scheme and parameters. */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space < 0 ? '' : header.slice(space + 1)).matchAll(re)) params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme, params };
}

export function basicHeader(creds: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

/** The Authorization header answering `challenge` for `scope`, fetching a token when it is Bearer. */
export async function answerChallenge(challenge: Challenge, scope: string, creds: RegistryCredentials | null, registry: string, signal: AbortSignal): Promise<string> {
  if (challenge.scheme === 'basic') {
    if (!creds) throw new ImageError(`registry ${registry} asks for credentials: give the server --registry-credentials GROUP (a secret group with username and password)`, { details: { registry } });
    return basicHeader(creds);
  }
  if (challenge.scheme !== 'bearer' || !challenge.params.realm) throw new ImageError(`registry ${registry} asks for an authentication scheme Sluice does not speak: ${challenge.scheme}`, { details: { registry } });
  const url = new URL(challenge.params.realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope && !scope ? challenge.params.scope : scope);
  let res: Response;
  try {
    res = await fetch(url, { headers: creds ? { authorization: basicHeader(creds) } : {}, signal });
  } catch (error) {
    throw new ImageError(`cannot reach the token service ${url.origin} of registry ${registry}: ${causeOf(error)}`, { retryable: true, details: { registry } });
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw refused(registry, creds);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ImageError(`the token service ${url.origin} of registry ${registry} answered ${res.status}`, { retryable: res.status >= 500, details: { registry } });
  }
  const body = (await res.json()) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : null;
  if (!token) throw new ImageError(`the token service ${url.origin} of registry ${registry} answered without a token`, { details: { registry } });
  return `Bearer ${token}`;
}

export function refused(registry: string, creds: RegistryCredentials | null): ImageError {
  return creds
    ? new ImageError(`registry ${registry} refused the credentials of secret group ${creds.group} (401): check its username and password`, { details: { registry, group: creds.group } })
    : new ImageError(`registry ${registry} needs credentials (401): give the server --registry-credentials GROUP`, { details: { registry } });
}

/** A fetch failure's underlying reason (`connect ECONNREFUSED 127.0.0.1:5000`), not undici's "fetch failed". */
export function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  return cause ? (cause.message || errorMessage(error)) : errorMessage(error);
}
