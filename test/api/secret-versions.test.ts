// A key's versions over HTTP (GET /api/secrets/GROUP/KEY/versions) and the reveal of one of them
// (GET /api/secrets/GROUP/KEY?version=N), through the real API with real tokens, a real keyring
// and audit trail: versions carry no value and viewers read them; a scoped token, no token and an
// unknown group or key are refused with coded errors; an older value is admin-only and audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretService } from '../../src/engine/secrets/secret-service.ts';
import { newKey } from '../../src/secrets/envelope.ts';
import { Keyring } from '../../src/secrets/keyring.ts';
import { project } from '../store/store-fixtures.ts';
import { startSessionApi, type SessionApiKit } from './session-kit.ts';

const policy = { idleMs: 3_600_000, maxAgeMs: 86_400_000 };

async function start(): Promise<SessionApiKit & { secrets: SecretService }> {
  let secrets: SecretService | undefined;
  const kit = await startSessionApi({
    policy,
    deps: async (store, clock) => {
      const keyring = new Keyring(newKey(), store);
      await keyring.init();
      secrets = new SecretService(store, keyring, clock);
      return { secretApi: { secrets, rotateKey: () => Promise.reject(new Error('not in this test')) } };
    },
  });
  return { ...kit, secrets: secrets! };
}

/** cfg/API_KEY: set by alice, set by bob, unset by carol, set by alice (fourth-value). */
async function fourVersions(kit: SessionApiKit & { secrets: SecretService }): Promise<void> {
  await kit.secrets.set('cfg', 'API_KEY', 'first-value', 'alice');
  await kit.secrets.set('cfg', 'API_KEY', 'second-value', 'bob');
  await kit.secrets.unset('cfg', 'API_KEY', 'carol');
  await kit.secrets.set('cfg', 'API_KEY', 'fourth-value', 'alice');
}

async function token(kit: SessionApiKit, name: string, role: 'viewer' | 'admin', projects: string[] | null = null): Promise<string> {
  return (await kit.tokens.create({ name, role, projects, environments: null, expiresInMs: null, createdBy: 'test' })).token;
}

async function get(kit: SessionApiKit, path: string, bearer: string | null): Promise<{ status: number; body: Record<string, unknown> & { code?: string; message?: string } }> {
  const res = await fetch(`${kit.url}${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

void test("a key's versions, newest first with who and when, an unset included; never a value; viewers read them", async (t) => {
  const kit = await start();
  t.after(() => kit.close());
  await fourVersions(kit);
  await kit.secrets.set('cfg', 'OTHER', 'other-value', 'alice');
  const viewer = await token(kit, 'viewer-1', 'viewer');
  const res = await fetch(`${kit.url}/api/secrets/cfg/API_KEY/versions`, { headers: { authorization: `Bearer ${viewer}` } });
  assert.equal(res.status, 200);
  const text = await res.text();
  const versions = JSON.parse(text) as Array<{ key: string; version: number; state: string; createdBy: string; createdAt: string }>;
  assert.deepEqual(
    versions.map((v) => [v.key, v.version, v.state, v.createdBy]),
    [
      ['API_KEY', 4, 'set', 'alice'],
      ['API_KEY', 3, 'unset', 'carol'],
      ['API_KEY', 2, 'set', 'bob'],
      ['API_KEY', 1, 'set', 'alice'],
    ],
  );
  assert.ok(versions.every((v) => !Number.isNaN(Date.parse(v.createdAt))));
  for (const value of ['first-value', 'second-value', 'fourth-value']) assert.ok(!text.includes(value), 'no value in the answer');
  assert.ok(!text.includes('sealed'), 'no sealed value either');
  // An unset key keeps its history.
  await kit.secrets.unset('cfg', 'OTHER', 'alice');
  const other = await get(kit, '/api/secrets/cfg/OTHER/versions', viewer);
  assert.equal(other.status, 200);
  assert.deepEqual((other.body as unknown as Array<{ state: string }>).map((v) => v.state), ['unset', 'set']);
});

void test('versions: no token 401, a token limited to projects 403; an unknown group or key 404 naming it; a bad name 400', async (t) => {
  const kit = await start();
  t.after(() => kit.close());
  await kit.secrets.set('cfg', 'API_KEY', 'v', 'alice');
  const viewer = await token(kit, 'viewer-1', 'viewer');
  await kit.store.createProject(project('shop'));
  const scoped = await token(kit, 'shop-admin', 'admin', ['shop']);

  const anonymous = await get(kit, '/api/secrets/cfg/API_KEY/versions', null);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'unauthenticated');
  const limited = await get(kit, '/api/secrets/cfg/API_KEY/versions', scoped);
  assert.equal(limited.status, 403);
  assert.equal(limited.body.code, 'forbidden');
  assert.match(limited.body.message ?? '', /not limited to projects/);

  const noKey = await get(kit, '/api/secrets/cfg/NOPE/versions', viewer);
  assert.equal(noKey.status, 404);
  assert.equal(noKey.body.code, 'not_found');
  assert.match(noKey.body.message ?? '', /secret "cfg\/NOPE" not found: group cfg has no key NOPE/);
  const noGroup = await get(kit, '/api/secrets/nosuch/API_KEY/versions', viewer);
  assert.equal(noGroup.status, 404);
  assert.equal(noGroup.body.code, 'not_found');
  assert.match(noGroup.body.message ?? '', /there is no secret group nosuch/);
  const badKey = await get(kit, '/api/secrets/cfg/not-a-var/versions', viewer);
  assert.equal(badKey.status, 400);
  assert.equal(badKey.body.code, 'invalid_input');
  assert.match(badKey.body.message ?? '', /not a valid environment variable name/);
});

void test('an older value: admins only, audited as GROUP/KEY@N before it is read; an unset, missing or malformed version refused', async (t) => {
  const kit = await start();
  t.after(() => kit.close());
  await fourVersions(kit);
  const viewer = await token(kit, 'viewer-1', 'viewer');

  const first = await get(kit, '/api/secrets/cfg/API_KEY?version=1', kit.adminToken);
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, { key: 'API_KEY', version: 1, value: 'first-value' });
  const current = await get(kit, '/api/secrets/cfg/API_KEY', kit.adminToken);
  assert.deepEqual(current.body, { key: 'API_KEY', version: 4, value: 'fourth-value' });

  const denied = await get(kit, '/api/secrets/cfg/API_KEY?version=2', viewer);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, 'forbidden');
  assert.ok(!JSON.stringify(denied.body).includes('second-value'));

  const unset = await get(kit, '/api/secrets/cfg/API_KEY?version=3', kit.adminToken);
  assert.equal(unset.status, 404);
  assert.match(unset.body.message ?? '', /cfg\/API_KEY@3.*unset the key: it has no value/);
  const missing = await get(kit, '/api/secrets/cfg/API_KEY?version=9', kit.adminToken);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'not_found');
  assert.match(missing.body.message ?? '', /secret version "cfg\/API_KEY@9" not found: see `sluice secret history cfg API_KEY`/);
  for (const bad of ['0', 'two', '-1', '1.5']) {
    const r = await get(kit, `/api/secrets/cfg/API_KEY?version=${bad}`, kit.adminToken);
    assert.equal(r.status, 400, bad);
    assert.match(r.body.message ?? '', /version must be a version number/, bad);
  }

  const reads = (await kit.audit.list({ limit: 100 })).filter((e) => e.action === 'secret.read').reverse();
  assert.deepEqual(
    reads.map((e) => [e.actor, e.target, e.outcome]),
    [
      ['admin', 'cfg/API_KEY@1', 'ok'],
      ['admin', 'cfg/API_KEY@4', 'ok'],
      ['viewer-1', 'cfg/API_KEY', 'denied'],
    ],
  );
  assert.ok(!JSON.stringify(reads).includes('-value'), 'the audit trail holds no value');
});
