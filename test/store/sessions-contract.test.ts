// Dashboard sessions on every Store implementation, two servers on one store: a session created
// on one is found, touched and deleted on the other; stale ones are swept; a token's go with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionRecord } from '../../src/store/records.ts';
import { at, describeStoreContract } from './store-fixtures.ts';

function session(id: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return { id, kind: 'token', name: 'admin', role: 'admin', projects: null, environments: null, tokenId: 'tok1', issuer: null, subject: null, createdAt: at(0), lastSeenAt: at(0), expiresAt: at(100), ...over };
}

await describeStoreContract('Store sessions contract', (stores) => {
  void test('created on one server, found, touched (never backwards) and deleted on the other', async () => {
    const { a, b } = stores();
    const s = session('h1', { kind: 'oidc', name: 'ada', role: 'viewer', projects: '["web"]', environments: '["staging"]', tokenId: null, issuer: 'https://id.example', subject: 'u-1' });
    await a.createSession(s);
    assert.deepEqual(await b.getSession('h1'), s);
    assert.equal(await b.getSession('nope'), undefined);
    await b.touchSession('h1', at(10));
    assert.equal((await a.getSession('h1'))?.lastSeenAt, at(10));
    await a.touchSession('h1', at(5));
    assert.equal((await a.getSession('h1'))?.lastSeenAt, at(10), 'a late touch does not move it back');
    assert.equal(await b.deleteSession('h1'), true);
    assert.equal(await a.deleteSession('h1'), false);
    assert.equal(await a.getSession('h1'), undefined);
  });

  void test('one id, one session: a second insert of the same hash fails', async () => {
    const { a, b } = stores();
    await a.createSession(session('dup'));
    await assert.rejects(b.createSession(session('dup')));
  });

  void test('stale sessions are swept: past their absolute expiry or idle too long; live ones stay', async () => {
    const { a, b } = stores();
    await a.createSession(session('expired', { expiresAt: at(20), lastSeenAt: at(19) }));
    await a.createSession(session('idle', { lastSeenAt: at(5) }));
    await a.createSession(session('live', { lastSeenAt: at(25) }));
    assert.equal(await b.deleteStaleSessions(at(20), at(10)), 2);
    assert.equal(await a.getSession('expired'), undefined);
    assert.equal(await a.getSession('idle'), undefined);
    assert.ok(await a.getSession('live'));
  });

  void test("a token's sessions are deleted with it, nobody else's", async () => {
    const { a, b } = stores();
    await a.createSession(session('t1a', { tokenId: 'tok-a' }));
    await a.createSession(session('t1b', { tokenId: 'tok-a' }));
    await a.createSession(session('t2', { tokenId: 'tok-b' }));
    await a.createSession(session('o', { tokenId: null, kind: 'oidc', issuer: 'i', subject: 's' }));
    assert.equal(await b.deleteTokenSessions('tok-a'), 2);
    assert.ok(await a.getSession('t2'));
    assert.ok(await a.getSession('o'));
  });
});
