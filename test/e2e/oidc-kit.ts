// Single sign-on test kit: a real OpenID provider (the `oidc-provider` package) on 127.0.0.1 with
// one confidential client and users carrying groups, and a small browser made of fetch calls
// (manual redirects, a cookie jar keyed by host as a browser's is) that signs in through it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export const clientId = 'sluice-test';
export const clientSecret = 'test-client-secret-0123456789abcdef';

export interface TestUser {
  email: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  /** Where it listens (the issuer's port unless opts.issuer names another, e.g. a proxy's). */
  port: number;
  close(): Promise<void>;
}

/** A provider for `users` (by login name) that lets `redirectUri` receive codes for clientId. */
export async function startProvider(users: Record<string, TestUser>, redirectUri: string, opts: { port?: number; issuer?: string; extraClients?: Configuration['clients'] } = {}): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = opts.issuer ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post' }, ...(opts.extraClients ?? [])],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups', 'profile'],
    cookies: { keys: ['test-cookie-key-0123456789'] },
    pkce: { required: () => true },
    findAccount: (_ctx, id) => {
      const user = users[id];
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: user.email, email_verified: true, groups: user.groups }) };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Cookie {
  value: string;
  path: string;
}

/** fetch with a cookie jar and manual redirects, as a browser without scripts. */
export class CookieBrowser {
  /** host (without port, as browsers share cookies across ports) → name → cookie. */
  private readonly jar = new Map<string, Map<string, Cookie>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).hostname;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, { value, path });
  }

  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const cookies = [...(this.jar.get(u.hostname) ?? new Map<string, Cookie>()).entries()].filter(([, c]) => u.pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
    const res = await fetch(url, { method: init.method ?? 'GET', redirect: 'manual', headers: { ...(cookies.length ? { cookie: cookies.join('; ') } : {}), ...init.headers }, ...(init.body === undefined ? {} : { body: init.body }) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a)) || value === '';
      if (!this.jar.has(u.hostname)) this.jar.set(u.hostname, new Map());
      if (gone) this.jar.get(u.hostname)!.delete(name);
      else this.jar.get(u.hostname)!.set(name, { value, path });
    }
    return res;
  }

  /** Follows redirects from `url` until a response that is not one, or until `stop` says so of a redirect's target. */
  async follow(url: string, stop: (next: string) => boolean = () => false): Promise<{ res: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const res = await this.request(current);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      await res.body?.cancel();
      const next = new URL(location, current).href;
      if (stop(next)) return { res, url: next };
      current = next;
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  /**
   * Signs in at the provider's development login page as `login` (and consents), starting from the
   * authorization URL; returns the URL the provider sends the browser back to (the callback).
   */
  async signInAtProvider(authorizationUrl: string, login: string, callbackPrefix: string): Promise<string> {
    let { res, url } = await this.follow(authorizationUrl, (next) => next.startsWith(callbackPrefix));
    for (let step = 0; step < 4; step++) {
      if (url.startsWith(callbackPrefix)) return url;
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`no login or consent form at ${url} (${res.status}): ${html.slice(0, 300)}`);
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      const posted = await this.request(new URL(action, url).href, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await posted.body?.cancel();
      const next = new URL(posted.headers.get('location') ?? url, url).href;
      ({ res, url } = next.startsWith(callbackPrefix) ? { res: posted, url: next } : await this.follow(next, (n) => n.startsWith(callbackPrefix)));
    }
    throw new Error(`the provider did not send the browser back to ${callbackPrefix}`);
  }
}
