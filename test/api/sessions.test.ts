// Dashboard sessions over HTTP on loopback: sign-in with a token sets an HttpOnly, SameSite=Strict
// cookie the API accepts like the token; changes carried by the cookie need Origin and the CSRF
// token; sign-out, idleness, the absolute age and the token's revocation end the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionIdOf } from '../../src/auth/session-value.ts';
import { signIn, sessionCookieIn, startSessionApi, type SessionApiKit } from './session-kit.ts';

const hour = 3_600_000;
const policy = { idleMs: hour, maxAgeMs: 24 * hour };

async function signedIn(kit: SessionApiKit, token = kit.adminToken): Promise<{ cookie: string; csrf: string }> {
  const res = await signIn(kit, token);
  assert.equal(res.status, 201, await res.clone().text());
  const body = (await res.json()) as { csrfToken: string };
  const cookie = sessionCookieIn(res);
  assert.ok(cookie, 'a session cookie is set');
  return { cookie: `sluice_session=${cookie.value}`, csrf: body.csrfToken };
}

function call(kit: SessionApiKit, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(`${kit.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

void test('the sign-in page learns whether SSO is offered without a token', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const res = await fetch(`${kit.url}/api/auth/config`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { oidc: false });
});

void test('signing in with a token: an HttpOnly, SameSite=Strict cookie the API accepts; only its hash is stored', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const res = await signIn(kit, kit.adminToken);
  assert.equal(res.status, 201);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.name, 'admin');
  assert.equal(body.role, 'admin');
  assert.equal(body.via, 'token');
  const cookie = sessionCookieIn(res)!;
  assert.match(cookie.attributes, /HttpOnly/);
  assert.match(cookie.attributes, /SameSite=Strict/);
  assert.match(cookie.attributes, /Path=\//);
  assert.doesNotMatch(cookie.attributes, /Secure/, 'plain HTTP: a Secure cookie would never come back');
  const row = await kit.store.getSession(sessionIdOf(cookie.value));
  assert.ok(row, 'stored under the hash of the value');
  assert.ok(!JSON.stringify(row).includes(cookie.value), 'the cookie value itself is not stored');
  const who = await call(kit, 'GET', '/api/whoami', { cookie: `sluice_session=${cookie.value}` });
  assert.equal(who.status, 200);
  assert.equal(((await who.json()) as { name: string }).name, 'admin');
  const session = await call(kit, 'GET', '/api/session', { cookie: `sluice_session=${cookie.value}` });
  assert.equal(((await session.json()) as { csrfToken: string }).csrfToken, body.csrfToken);
  const bearer = await call(kit, 'GET', '/api/session', { authorization: `Bearer ${kit.adminToken}` });
  assert.deepEqual(((await bearer.json()) as { via: string }).via, 'bearer');
  const nobody = await call(kit, 'GET', '/api/session', {});
  assert.equal(nobody.status, 200, 'signed out is an answer, not an error');
  assert.deepEqual(await nobody.json(), { signedIn: false });
  const audit = await kit.audit.list({ limit: 10 });
  assert.ok(audit.some((e) => e.action === 'session.sign-in' && e.actor === 'admin' && e.outcome === 'ok'), JSON.stringify(audit));
});

void test('a wrong token or a bad body: the API says what is wrong, and no cookie is set', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const wrong = await signIn(kit, `sluice_${'0'.repeat(64)}`);
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { message: string }).message, /unknown token/);
  assert.equal(sessionCookieIn(wrong), undefined);
  const malformed = await signIn(kit, 'hello');
  assert.equal(malformed.status, 401);
  assert.match(((await malformed.json()) as { message: string }).message, /not a Sluice token/);
  const bad = await call(kit, 'POST', '/api/session', { origin: kit.url }, { token: kit.adminToken, extra: 1 });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /the body must hold the API token/);
  const audit = await kit.audit.list({ limit: 10 });
  assert.ok(audit.some((e) => e.action === 'session.sign-in' && e.outcome === 'denied'), 'failed sign-ins are audited');
});

void test('failed sign-ins count in the failure limiter: past the limit, 429 with Retry-After', async (t) => {
  const kit = await startSessionApi({ policy, failureLimit: { max: 2, windowMs: 60_000 } });
  t.after(() => kit.close());
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await signIn(kit, 'sluice_wrong')).status);
  assert.deepEqual(statuses, [401, 401, 429]);
  const res = await signIn(kit, 'sluice_wrong');
  assert.ok(Number(res.headers.get('retry-after')) > 0);
});

void test('a change carried by the cookie needs the CSRF token and the own Origin; bearer tokens need neither', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const { cookie, csrf } = await signedIn(kit);
  const body = { name: 'ci', role: 'viewer' };
  const noCsrf = await call(kit, 'POST', '/api/tokens', { cookie, origin: kit.url }, body);
  assert.equal(noCsrf.status, 403);
  assert.match(((await noCsrf.json()) as { message: string }).message, /x-csrf-token/);
  const wrongCsrf = await call(kit, 'POST', '/api/tokens', { cookie, origin: kit.url, 'x-csrf-token': `${csrf.slice(1)}x` }, body);
  assert.equal(wrongCsrf.status, 403);
  const noOrigin = await call(kit, 'POST', '/api/tokens', { cookie, 'x-csrf-token': csrf }, body);
  assert.equal(noOrigin.status, 403);
  assert.match(((await noOrigin.json()) as { message: string }).message, /Origin/);
  const foreign = await call(kit, 'POST', '/api/tokens', { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf }, body);
  assert.equal(foreign.status, 403);
  assert.match(((await foreign.json()) as { message: string }).message, /evil\.example/);
  const ok = await call(kit, 'POST', '/api/tokens', { cookie, origin: kit.url, 'x-csrf-token': csrf }, body);
  assert.equal(ok.status, 201, await ok.clone().text());
  const bearer = await call(kit, 'POST', '/api/tokens', { authorization: `Bearer ${kit.adminToken}` }, { name: 'ci2', role: 'viewer' });
  assert.equal(bearer.status, 201, 'bearer requests are unaffected');
});

void test('roles apply to a session exactly as to its token: 403 names the role needed', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const viewer = await kit.tokens.create({ name: 'looker', role: 'viewer', projects: null, environments: null, expiresInMs: null, createdBy: 'test' });
  const { cookie, csrf } = await signedIn(kit, viewer.token);
  const res = await call(kit, 'POST', '/api/tokens', { cookie, origin: kit.url, 'x-csrf-token': csrf }, { name: 'x', role: 'viewer' });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { message: string }).message, /needs the admin role; token looker is viewer/);
});

void test('signing out deletes the session on the server: the old cookie is refused', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const { cookie, csrf } = await signedIn(kit);
  const noCsrf = await call(kit, 'DELETE', '/api/session', { cookie, origin: kit.url, 'content-type': 'application/json' });
  assert.equal(noCsrf.status, 403, 'signing out is a change too');
  const out = await call(kit, 'DELETE', '/api/session', { cookie, origin: kit.url, 'x-csrf-token': csrf, 'content-type': 'application/json' });
  assert.equal(out.status, 204);
  assert.match(out.headers.getSetCookie().join(), /sluice_session=;.*Max-Age=0/);
  const after = await call(kit, 'GET', '/api/whoami', { cookie });
  assert.equal(after.status, 401);
  assert.match(((await after.json()) as { message: string }).message, /sign in again/);
  const probe = await call(kit, 'GET', '/api/session', { cookie });
  assert.equal(probe.status, 200);
  assert.equal(((await probe.json()) as { signedIn: boolean }).signedIn, false);
  assert.match(probe.headers.getSetCookie().join(), /sluice_session=;.*Max-Age=0/, 'the dead cookie is dropped');
  const audit = await kit.audit.list({ limit: 10 });
  assert.ok(audit.some((e) => e.action === 'session.sign-out' && e.actor === 'admin' && e.outcome === 'ok'));
});

void test('a session ends when unused for the idle time, and at its absolute age however used', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const idle = await signedIn(kit);
  const busy = await signedIn(kit);
  for (let i = 0; i < 60; i++) {
    kit.advance(policy.idleMs / 2);
    const res = await call(kit, 'GET', '/api/whoami', { cookie: busy.cookie });
    if (i === 0) {
      const gone = await call(kit, 'GET', '/api/whoami', { cookie: idle.cookie });
      assert.equal(gone.status, 200, 'half the idle time: still there');
    }
    if (i === 1) {
      kit.advance(1);
      const gone = await call(kit, 'GET', '/api/whoami', { cookie: idle.cookie });
      assert.equal(gone.status, 200, 'used at i = 0: the idle time starts again');
    }
    if (i === 4) {
      const gone = await call(kit, 'GET', '/api/whoami', { cookie: idle.cookie });
      assert.equal(gone.status, 401, 'unused for more than the idle time');
      assert.match(((await gone.json()) as { message: string }).message, /unused/);
    }
    const elapsed = (i + 1) * (policy.idleMs / 2) + (i >= 1 ? 1 : 0);
    if (elapsed < policy.maxAgeMs) assert.equal(res.status, 200, `used every half idle time, at ${elapsed / hour} h`);
    else {
      assert.equal(res.status, 401, `past the absolute age at ${elapsed / hour} h`);
      assert.match(((await res.json()) as { message: string }).message, /expired/);
      return;
    }
  }
  assert.fail('the absolute age never ended the session');
});

void test("revoking the token ends its sessions; a session never outlives its token's expiry", async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const deployer = await kit.tokens.create({ name: 'dep', role: 'deployer', projects: null, environments: null, expiresInMs: null, createdBy: 'test' });
  const { cookie } = await signedIn(kit, deployer.token);
  assert.equal((await call(kit, 'GET', '/api/whoami', { cookie })).status, 200);
  await kit.tokens.revoke('dep');
  const res = await call(kit, 'GET', '/api/whoami', { cookie });
  assert.equal(res.status, 401);
  assert.match(((await res.json()) as { message: string }).message, /revoked|sign in again/);
  const short = await kit.tokens.create({ name: 'short', role: 'viewer', projects: null, environments: null, expiresInMs: policy.idleMs / 4, createdBy: 'test' });
  const signed = await signIn(kit, short.token);
  const body = (await signed.json()) as { expiresAt: string };
  assert.ok(Date.parse(body.expiresAt) <= Date.now() + policy.idleMs / 4 + 1000, `the session ends with the token: ${body.expiresAt}`);
  const shortCookie = `sluice_session=${sessionCookieIn(signed)!.value}`;
  kit.advance(policy.idleMs / 4 + 1000);
  assert.equal((await call(kit, 'GET', '/api/whoami', { cookie: shortCookie })).status, 401);
});

void test('behind HTTPS (--public-url https://…) the cookie is Secure', async (t) => {
  const kit = await startSessionApi({ policy, publicOrigin: 'https://dash.example.com' });
  t.after(() => kit.close());
  const res = await signIn(kit, kit.adminToken, { origin: 'https://dash.example.com' });
  assert.equal(res.status, 201);
  assert.match(sessionCookieIn(res)!.attributes, /Secure/);
});

void test('X-Forwarded-Proto: https from the own router (loopback) makes the cookie Secure', async (t) => {
  const kit = await startSessionApi({ policy });
  t.after(() => kit.close());
  const res = await signIn(kit, kit.adminToken, { 'x-forwarded-proto': 'https' });
  assert.match(sessionCookieIn(res)!.attributes, /Secure/);
});
