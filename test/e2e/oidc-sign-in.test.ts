// Single sign-on against a real OpenID provider (oidc-provider on 127.0.0.1), driven over plain
// HTTP: the authorization code flow with PKCE, roles mapped from groups, a refused user, a wrong
// state, a tampered code, an issuer that is down when the server starts, and the session's end.
import { test } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { authHeaders, freePort, sleep, TestRepo, TestServer } from './harness.ts';
import { clientSecret, clientId, CookieBrowser, startProvider, type TestProvider } from './oidc-kit.ts';

const users = {
  alice: { email: 'alice@example.test', groups: ['sluice-deployers', 'everyone'] },
  bob: { email: 'bob@example.test', groups: ['everyone', 'readers'] },
  carol: { email: 'carol@example.test', groups: ['marketing'] },
};
const sessionMaxS = 8;

interface SessionJson {
  signedIn: boolean;
  name: string;
  role: string;
  projects: string[] | null;
  via: string;
  csrfToken: string;
  expiresAt: string;
}

/** Polls `check` until it returns a value, or fails with `what` at the deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

void test('sign-in with OpenID Connect: PKCE over real HTTP, roles from groups, refusals, and the session ends on time', async (t) => {
  const providerPort = await freePort();
  const issuer = `http://127.0.0.1:${providerPort}`;
  // The issuer is down when the server starts: the server starts anyway and retries discovery.
  const server = await TestServer.start([
    '--oidc-issuer', issuer, '--oidc-client-id', clientId, '--oidc-client-secret', 'sso/CLIENT_SECRET',
    '--oidc-role-map', 'sluice-admins=admin,sluice-deployers=deployer,readers=viewer',
    '--oidc-session-max', `${sessionMaxS}s`,
  ]);
  const repo = new TestRepo({ 'sluice.yaml': 'build:\n  - run: "true"\n' });
  let provider: TestProvider | null = null;
  t.after(async () => {
    await provider?.close();
    await server.close();
    repo.remove();
  });
  const callback = `${server.url}/api/auth/oidc/callback`;
  assert.equal((await server.cli(['project', 'add', 'app', '--repo', repo.dir])).code, 0);

  // Configured, but the provider cannot be reached: the SSO button gets a page saying so.
  assert.deepEqual(await (await fetch(`${server.url}/api/auth/config`)).json(), { oidc: true });
  const down = await fetch(`${server.url}/api/auth/oidc/login`, { redirect: 'manual' });
  assert.equal(down.status, 503);
  assert.match(await down.text(), new RegExp(`OpenID provider ${issuer}/ could not be reached`));
  await until('the discovery failure is logged', async () => (/single sign-on: the OpenID provider .* could not be discovered .*retrying in/.test(server.log) ? true : undefined));

  provider = await startProvider(users, callback, { port: providerPort });
  // Up, but the client secret is not set yet.
  const noSecret = await until('the provider is discovered', async () => {
    const r = await fetch(`${server.url}/api/auth/oidc/login`, { redirect: 'manual' });
    return r.status === 503 && /client secret sso\/CLIENT_SECRET is not set/.test(await r.text()) ? true : undefined;
  });
  assert.ok(noSecret);
  const set = await server.cli(['secret', 'set', 'sso', 'CLIENT_SECRET'], { input: clientSecret });
  assert.equal(set.code, 0, set.stderr);

  /** Signs `login` in; the browser, its callback answer and the time it began. */
  const signIn = async (login: string, returnTo = '/'): Promise<{ browser: CookieBrowser; res: Response; answeredAt: number }> => {
    const browser = new CookieBrowser();
    const start = await browser.request(`${server.url}/api/auth/oidc/login?return=${encodeURIComponent(returnTo)}`);
    assert.equal(start.status, 302, await start.text());
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.origin, issuer);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('code_challenge') && authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('redirect_uri'), callback);
    assert.ok(browser.cookie(server.url, 'sluice_oidc_login'), 'the pending sign-in is kept in a cookie');
    const back = await browser.signInAtProvider(authorize.href, login, callback);
    const res = await browser.request(back);
    return { browser, res, answeredAt: Date.now() };
  };
  const session = async (browser: CookieBrowser): Promise<Response> => browser.request(`${server.url}/api/session`);

  // alice: a deployer, back on the page she came from, with a session cookie the API accepts.
  const alice = await signIn('alice', '/projects/app');
  assert.equal(alice.res.status, 303, await alice.res.text());
  assert.equal(alice.res.headers.get('location'), '/projects/app');
  assert.equal(alice.browser.cookie(server.url, 'sluice_oidc_login'), undefined, 'the pending sign-in is used up');
  assert.ok(alice.browser.cookie(server.url, 'sluice_session'));
  const aliceSession = (await (await session(alice.browser)).json()) as SessionJson;
  assert.equal(aliceSession.signedIn, true);
  assert.equal(aliceSession.name, 'oidc:alice@example.test');
  assert.equal(aliceSession.role, 'deployer');
  assert.equal(aliceSession.projects, null);
  assert.equal(aliceSession.via, 'oidc');
  // The session was started before the callback's answer arrived: it ends at most --oidc-session-max after that.
  assert.ok(Date.parse(aliceSession.expiresAt) <= alice.answeredAt + sessionMaxS * 1000, `the session ends within --oidc-session-max: ${aliceSession.expiresAt}, callback answered ${new Date(alice.answeredAt).toISOString()}`);
  // A change through the session (Origin + CSRF token), recorded under her name.
  const mutate = (browser: CookieBrowser, csrf: string): Promise<Response> =>
    browser.request(`${server.url}/api/projects/app/trigger`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', origin: server.url, 'x-csrf-token': csrf } });
  const triggered = await mutate(alice.browser, aliceSession.csrfToken);
  assert.ok(triggered.status < 300, `${triggered.status} ${await triggered.text()}`);
  const audit = (await (await fetch(`${server.url}/api/audit?limit=50`, { headers: authHeaders(server.url) })).json()) as Array<{ actor: string; action: string; role: string | null; outcome: string }>;
  assert.ok(audit.some((e) => e.actor === 'oidc:alice@example.test' && e.action === 'run.trigger' && e.outcome === 'ok'), JSON.stringify(audit.slice(0, 5)));
  assert.ok(audit.some((e) => e.actor === 'oidc:alice@example.test' && e.action === 'session.sign-in-oidc' && e.role === 'deployer'), 'the sign-in is audited');

  // bob: only "readers" is mapped → viewer; a change is refused naming the role needed.
  const bob = await signIn('bob');
  assert.equal(bob.res.status, 303);
  const bobSession = (await (await session(bob.browser)).json()) as SessionJson;
  assert.equal(bobSession.role, 'viewer');
  const refused = await mutate(bob.browser, bobSession.csrfToken);
  assert.equal(refused.status, 403);
  assert.match(((await refused.json()) as { message: string }).message, /needs the deployer role.*oidc:bob@example\.test is viewer/);
  assert.equal((await bob.browser.request(`${server.url}/api/projects`)).status, 200, 'a viewer reads');

  // carol: no mapped group → no session, and a page saying why.
  const carol = await signIn('carol');
  assert.equal(carol.res.status, 403);
  const page = await carol.res.text();
  assert.match(page, /carol@example\.test may not use Sluice: none of your groups \(claim &#34;groups&#34;: marketing\) is given a role/);
  assert.equal(carol.browser.cookie(server.url, 'sluice_session'), undefined);
  assert.deepEqual(await (await session(carol.browser)).json(), { signedIn: false });

  // A callback whose state is not the one this browser's sign-in started with.
  {
    const browser = new CookieBrowser();
    const start = await browser.request(`${server.url}/api/auth/oidc/login`);
    const back = new URL(await browser.signInAtProvider(start.headers.get('location')!, 'alice', callback));
    back.searchParams.set('state', 'forged-state');
    const res = await browser.request(back.href);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /the sign-in callback has the wrong state/);
    assert.equal(browser.cookie(server.url, 'sluice_session'), undefined);
  }
  // A tampered code: the provider refuses it; no session.
  {
    const browser = new CookieBrowser();
    const start = await browser.request(`${server.url}/api/auth/oidc/login`);
    const back = new URL(await browser.signInAtProvider(start.headers.get('location')!, 'alice', callback));
    back.searchParams.set('code', `${back.searchParams.get('code')!.slice(0, -4)}AAAA`);
    const res = await browser.request(back.href);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /the OpenID provider refused the code: invalid_grant/);
    assert.equal(browser.cookie(server.url, 'sluice_session'), undefined);
  }
  // A callback without the pending sign-in's cookie (another browser, or after 10 minutes).
  {
    const res = await fetch(`${callback}?code=x&state=y`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /no pending request/);
  }

  // Expiry: alice's session ends no later than --oidc-session-max after she signed in.
  const endedAt = await until('alice\'s session ends', async () => ((await alice.browser.request(`${server.url}/api/projects`)).status === 401 ? Date.now() : undefined), 60_000);
  assert.deepEqual(await (await session(alice.browser)).json(), { signedIn: false });
  assert.ok(endedAt >= Date.parse(aliceSession.expiresAt) - 1000, 'not before its end');
});

void test('an ID token for another audience is refused: no session', async (t) => {
  // The provider's issuer is a proxy in front of it, which redeems codes as another registered
  // client: the provider then issues an ID token whose aud is that client, not Sluice's.
  const proxyPort = await freePort();
  const issuer = `http://127.0.0.1:${proxyPort}`;
  const server = await TestServer.start(['--oidc-issuer', issuer, '--oidc-client-id', clientId, '--oidc-client-secret', 'sso/CLIENT_SECRET', '--oidc-role-map', 'readers=viewer']);
  const callback = `${server.url}/api/auth/oidc/callback`;
  const provider = await startProvider(users, callback, { issuer, extraClients: [{ client_id: 'other-app', client_secret: clientSecret, redirect_uris: [callback], token_endpoint_auth_method: 'client_secret_post' }] });
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/token') body = Buffer.from(body.toString().replace(`client_id=${clientId}`, 'client_id=other-app'));
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const up = http.request({ host: '127.0.0.1', port: provider.port, method: req.method, path: req.url, headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  t.after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await provider.close();
    await server.close();
  });
  assert.equal((await server.cli(['secret', 'set', 'sso', 'CLIENT_SECRET'], { input: clientSecret })).code, 0);
  const browser = new CookieBrowser();
  const start = await until('the provider is discovered', async () => {
    const r = await browser.request(`${server.url}/api/auth/oidc/login`);
    return r.status === 302 ? r : undefined;
  });
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('client_id', 'other-app');
  const res = await browser.request(await browser.signInAtProvider(authorize.href, 'bob', callback));
  const page = await res.text();
  assert.equal(res.status, 400, page);
  assert.match(page, /the sign-in was refused: unexpected JWT claim value/);
  assert.equal(browser.cookie(server.url, 'sluice_session'), undefined);
});
