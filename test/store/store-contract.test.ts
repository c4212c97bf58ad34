// One contract for the Store port, run against every implementation. Each test gets two
// stores on one fresh database (SQLite file / PostgreSQL schema), standing in for two servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainClaim } from '../../src/domains/domain-claim.ts';
import type { Stage, Step, TokenRecord } from '../../src/store/records.ts';
import type { NewAuditEntry, NewLogLine, Store } from '../../src/store/store.ts';
import { auditHash, genesisHash, verifyAuditChain } from '../../src/audit/audit-chain.ts';
import { certificateId, type CertificateRecord } from '../../src/certificates/certificate-record.ts';
import { at, describeStoreContract, newRelease, newRun, project } from './store-fixtures.ts';

await describeStoreContract('Store contract', (stores) => {
  void test('migrate is idempotent, also when two servers migrate at once', async () => {
    const { a, b } = stores();
    await a.migrate();
    await Promise.all([a.migrate(), b.migrate()]);
    await a.createProject(project('p'));
    assert.equal((await b.listProjects()).length, 1);
  });

  void test('projects: create, get, list in name order, update, duplicates refused', async () => {
    const { a, b } = stores();
    await a.createProject(project('zeta'));
    await a.createProject(project('alpha'));
    assert.deepEqual(await b.getProject('alpha'), project('alpha'));
    assert.equal(await b.getProject('missing'), undefined);
    assert.deepEqual((await b.listProjects()).map((p) => p.name), ['alpha', 'zeta']);
    await a.updateProject('alpha', { lastSeenSha: 'c'.repeat(40), branch: 'trunk' });
    assert.deepEqual(await b.getProject('alpha'), { ...project('alpha'), lastSeenSha: 'c'.repeat(40), branch: 'trunk' });
    await assert.rejects(a.createProject(project('zeta')));
  });

  void test('createRun numbers runs 1, 2, 3 per project and stores the full record', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    await a.createProject(project('q'));
    const r1 = await a.createRun(newRun('p'));
    const r2 = await b.createRun(newRun('p'));
    const q1 = await a.createRun(newRun('q'));
    const r3 = await a.createRun(newRun('p'));
    assert.deepEqual([r1.number, r2.number, r3.number, q1.number], [1, 2, 3, 1]);
    const stored = await b.getRun(r2.id);
    assert.deepEqual(stored, r2);
    assert.equal(stored?.attempt, 0);
    assert.equal(stored?.cancelRequested, 0);
    assert.equal(await a.getRun('missing'), undefined);
    assert.deepEqual((await b.listRuns('p', 2)).map((r) => r.number), [3, 2]);
  });

  void test('20 concurrent createRun calls from two servers get the numbers 1..20 exactly once', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).createRun(newRun('p'))));
    assert.deepEqual(runs.map((r) => r.number).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
    const stored = await a.listRuns('p', 100);
    assert.deepEqual(stored.map((r) => r.number), Array.from({ length: 20 }, (_, i) => 20 - i));
  });

  void test('claimRun: two servers racing for one queued run, exactly one wins', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    for (let round = 0; round < 5; round++) {
      const run = await a.createRun(newRun('p', at(round)));
      const [ca, cb] = await Promise.all([a.claimRun('server-a', at(100), at(50)), b.claimRun('server-b', at(100), at(50))]);
      const winners = [ca, cb].filter((r) => r !== undefined);
      assert.equal(winners.length, 1, `round ${round}: exactly one claim`);
      const won = winners[0];
      assert.equal(won?.id, run.id);
      assert.equal(won?.state, 'running');
      assert.equal(won?.leaseOwner, ca ? 'server-a' : 'server-b');
      assert.equal(won?.leaseExpiresAt, at(100));
      assert.equal(won?.startedAt, at(50));
    }
    assert.equal(await a.claimRun('server-a', at(100), at(50)), undefined);
  });

  void test('claimRun takes the oldest queued run first', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const late = await a.createRun(newRun('p', at(30)));
    const early = await a.createRun(newRun('p', at(10)));
    const middle = await a.createRun(newRun('p', at(20)));
    await a.createRun(newRun('p', at(5), { state: 'waiting' }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await (i % 2 ? a : b).claimRun('s', at(100), at(40)))?.id);
    assert.deepEqual(order, [early.id, middle.id, late.id]);
    assert.equal(await a.claimRun('s', at(100), at(40)), undefined);
    assert.deepEqual((await b.listRunsInState(['running'])).map((r) => r.id), [early.id, middle.id, late.id]);
  });

  void test('countRunsByState counts per project and state (metrics), as numbers', async () => {
    const { a, b } = stores();
    assert.deepEqual(await b.countRunsByState(), []);
    await a.createProject(project('p'));
    await a.createProject(project('q'));
    await a.createRun(newRun('p', at(1)));
    await a.createRun(newRun('p', at(2)));
    await a.createRun(newRun('p', at(3), { state: 'waiting' }));
    await a.createRun(newRun('q', at(4), { state: 'waiting' }));
    const counts = (await b.countRunsByState()).sort((x, y) => `${x.project}${x.state}`.localeCompare(`${y.project}${y.state}`));
    assert.deepEqual(counts, [
      { project: 'p', state: 'queued', count: 2 },
      { project: 'p', state: 'waiting', count: 1 },
      { project: 'q', state: 'waiting', count: 1 },
    ]);
  });

  void test('updateRun is a compare-and-set on the state when `from` is given', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const run = await a.createRun(newRun('p'));
    assert.equal(await a.updateRun(run.id, { state: 'cancelled', reason: 'stop' }, ['running']), false);
    assert.equal((await b.getRun(run.id))?.state, 'queued');
    const both = await Promise.all([
      a.updateRun(run.id, { state: 'running', leaseOwner: 'a' }, ['queued']),
      b.updateRun(run.id, { state: 'running', leaseOwner: 'b' }, ['queued']),
    ]);
    assert.deepEqual(both.filter(Boolean).length, 1);
    assert.equal(await a.updateRun(run.id, { state: 'succeeded', finishedAt: at(9) }, ['queued', 'running']), true);
    assert.equal(await a.updateRun(run.id, { cancelRequested: 1 }), true);
    const stored = await b.getRun(run.id);
    assert.equal(stored?.state, 'succeeded');
    assert.equal(stored?.finishedAt, at(9));
    assert.equal(stored?.cancelRequested, 1);
    assert.equal(await a.updateRun('missing', { reason: 'x' }), false);
  });

  void test('renewLeases extends the owner\u2019s running runs and environment locks only', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const mine = await a.createRun(newRun('p', at(1)));
    const theirs = await a.createRun(newRun('p', at(2)));
    const finished = await a.createRun(newRun('p', at(3)));
    await a.updateRun(mine.id, { state: 'running', leaseOwner: 'me', leaseExpiresAt: at(10) });
    await a.updateRun(theirs.id, { state: 'running', leaseOwner: 'other', leaseExpiresAt: at(10) });
    await a.updateRun(finished.id, { state: 'succeeded', leaseOwner: 'me', leaseExpiresAt: at(10) });
    await a.ensureEnvironment('p', 'prod', at(0));
    await a.ensureEnvironment('p', 'staging', at(0));
    assert.equal(await a.lockEnvironment('p', 'prod', 'me', at(10), at(1)), true);
    assert.equal(await a.lockEnvironment('p', 'staging', 'other', at(10), at(1)), true);
    await b.renewLeases('me', at(60));
    assert.equal((await a.getRun(mine.id))?.leaseExpiresAt, at(60));
    assert.equal((await a.getRun(theirs.id))?.leaseExpiresAt, at(10));
    assert.equal((await a.getRun(finished.id))?.leaseExpiresAt, at(10));
    assert.equal((await a.getEnvironment('p', 'prod'))?.lockExpiresAt, at(60));
    assert.equal((await a.getEnvironment('p', 'staging'))?.lockExpiresAt, at(10));
  });

  void test('stages and steps: add, list in order, update', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const run = await a.createRun(newRun('p'));
    const other = await a.createRun(newRun('p'));
    const stage = (id: string, runId: string, idx: number): Stage => ({ id, runId, idx, name: `stage ${idx}`, kind: 'build', environment: idx === 2 ? 'prod' : null, state: 'pending', reason: null, startedAt: null, finishedAt: null });
    const step = (id: string, stageId: string, idx: number): Step => ({ id, runId: run.id, stageId, idx, name: `step ${idx}`, state: 'pending', exitCode: null, pid: null, reason: null, startedAt: null, finishedAt: null });
    await a.addStages([stage('s2', run.id, 2), stage('s0', run.id, 0), stage('s1', run.id, 1), stage('o0', other.id, 0)]);
    await a.addStages([]);
    assert.deepEqual((await b.listStages(run.id)).map((s) => s.id), ['s0', 's1', 's2']);
    assert.deepEqual(await b.listStages(other.id), [stage('o0', other.id, 0)]);
    await a.addSteps([step('b1', 's1', 1), step('a1', 's0', 1), step('b0', 's1', 0), step('a0', 's0', 0)]);
    await a.addSteps([]);
    assert.deepEqual((await b.listSteps(run.id)).map((s) => s.id), ['a0', 'a1', 'b0', 'b1']);
    await a.updateStage('s1', { state: 'running', startedAt: at(3) });
    await a.updateStep('b0', { state: 'failed', exitCode: 2, pid: 4242, reason: 'exit 2', finishedAt: at(4) });
    assert.deepEqual((await b.listStages(run.id))[1], { ...stage('s1', run.id, 1), state: 'running', startedAt: at(3) });
    assert.deepEqual((await b.listSteps(run.id))[2], { ...step('b0', 's1', 0), state: 'failed', exitCode: 2, pid: 4242, reason: 'exit 2', finishedAt: at(4) });
  });

  void test('run-log rows of an older Sluice: read oldest first with their project, deleted through an id', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    await a.createProject(project('q'));
    const run = await a.createRun(newRun('p'));
    const other = await a.createRun(newRun('q'));
    const lines: NewLogLine[] = Array.from({ length: 2000 }, (_, i) => ({ runId: i % 2 ? run.id : other.id, stepId: i % 3 ? 'step' : null, at: at(i), stream: i % 3 ? 'stdout' : 'system', line: `line ${i}` }));
    await a.appendLogs(lines.slice(0, 1000));
    await a.appendLogs(lines.slice(1000));
    await a.appendLogs([]);
    const first = await b.readOldLogs(1500);
    assert.equal(first.length, 1500);
    assert.deepEqual(first.map(({ runId, stepId, at: when, stream, line }) => ({ runId, stepId, at: when, stream, line })), lines.slice(0, 1500));
    assert.deepEqual(first.slice(0, 2).map((l) => l.project), ['q', 'p']);
    assert.ok(first.every((l, i) => i === 0 || l.id > first[i - 1]!.id), 'ids increase');
    assert.equal(await a.deleteOldLogs(first.at(-1)!.id), 1500);
    const rest = await b.readOldLogs(1500);
    assert.deepEqual(rest.map((l) => l.line), lines.slice(1500).map((l) => l.line));
    assert.equal(await a.deleteOldLogs(rest.at(-1)!.id), 500);
    assert.deepEqual(await b.readOldLogs(10), []);
  });

  void test('ensureEnvironment is idempotent, also when many callers race', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).ensureEnvironment('p', 'prod', at(i))));
    for (const env of all) assert.deepEqual(env, all[0]);
    assert.equal(all[0]?.state, 'empty');
    assert.equal(all[0]?.currentRelease, null);
    await a.updateEnvironment('p', 'prod', { state: 'healthy', currentRelease: 3, lastRunNumber: 7, updatedAt: at(60) });
    const again = await b.ensureEnvironment('p', 'prod', at(99));
    assert.equal(again.state, 'healthy');
    assert.equal(again.currentRelease, 3);
    assert.equal(again.lastRunNumber, 7);
    assert.equal(again.updatedAt, at(60));
    await a.ensureEnvironment('p', 'staging', at(70));
    assert.deepEqual((await b.listEnvironments('p')).map((e) => e.name), ['prod', 'staging']);
    assert.equal((await b.listEnvironments()).length, 2);
    assert.deepEqual(await b.listEnvironments('other'), []);
    assert.equal(await b.getEnvironment('p', 'missing'), undefined);
  });

  void test('lockEnvironment: one owner at a time until the lock expires; only the owner unlocks', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    await a.ensureEnvironment('p', 'prod', at(0));
    assert.equal(await a.lockEnvironment('p', 'prod', 'one', at(60), at(0)), true);
    assert.equal(await b.lockEnvironment('p', 'prod', 'two', at(70), at(10)), false);
    assert.equal(await a.lockEnvironment('p', 'prod', 'one', at(80), at(20)), true, 'the owner may re-lock');
    assert.equal((await b.getEnvironment('p', 'prod'))?.lockExpiresAt, at(80));
    await b.unlockEnvironment('p', 'prod', 'two');
    assert.equal((await a.getEnvironment('p', 'prod'))?.lockOwner, 'one', 'a stranger cannot unlock');
    assert.equal(await b.lockEnvironment('p', 'prod', 'two', at(200), at(81)), true, 'an expired lock is taken over');
    assert.equal(await a.lockEnvironment('p', 'prod', 'one', at(300), at(90)), false);
    await b.unlockEnvironment('p', 'prod', 'two');
    const env = await a.getEnvironment('p', 'prod');
    assert.equal(env?.lockOwner, null);
    assert.equal(env?.lockExpiresAt, null);
    const race = await Promise.all([a.lockEnvironment('p', 'prod', 'x', at(400), at(100)), b.lockEnvironment('p', 'prod', 'y', at(400), at(100))]);
    assert.equal(race.filter(Boolean).length, 1, 'exactly one of two racing owners gets the lock');
    assert.equal(await a.lockEnvironment('p', 'missing', 'x', at(400), at(100)), false);
  });

  void test('createRelease numbers per environment; listReleases newest first', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const s1 = await a.createRelease(newRelease('p', 'staging', 'sha256:1'));
    const s2 = await b.createRelease(newRelease('p', 'staging', 'sha256:2', { runNumber: 4, rolledBackFrom: 1 }));
    const p1 = await a.createRelease(newRelease('p', 'prod', 'sha256:1'));
    assert.deepEqual([s1.number, s2.number, p1.number], [1, 2, 1]);
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).createRelease(newRelease('p', 'staging', `sha256:r${i}`))));
    assert.deepEqual(racing.map((r) => r.number).sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i + 3));
    assert.deepEqual((await b.listReleases('p', 'staging')).map((r) => r.number), Array.from({ length: 12 }, (_, i) => 12 - i));
    assert.deepEqual(await b.listReleases('p', 'prod'), [p1]);
    assert.deepEqual(await b.getRelease('p', 'staging', 2), s2);
    assert.equal(await b.getRelease('p', 'staging', 99), undefined);
    await a.updateRelease('p', 'staging', 2, { state: 'rolled_back', reason: 'bad' });
    assert.deepEqual(await b.getRelease('p', 'staging', 2), { ...s2, state: 'rolled_back', reason: 'bad' });
  });

  void test('a run and its releases keep the OCI image reference (0021): null without one, the digest kept as written', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const run = await a.createRun(newRun('p'));
    assert.equal(run.image, null);
    const image = `127.0.0.1:5000/p:r1@sha256:${'c'.repeat(64)}`;
    await a.updateRun(run.id, { image });
    assert.equal((await b.getRun(run.id))?.image, image);
    const plain = await a.createRelease(newRelease('p', 'prod', 'sha256:1'));
    assert.equal(plain.image, null);
    const withImage = await b.createRelease(newRelease('p', 'prod', 'sha256:1', { image }));
    assert.equal((await a.getRelease('p', 'prod', withImage.number))?.image, image);
    assert.deepEqual((await a.listReleases('p', 'prod')).map((r) => r.image), [image, null]);
  });

  void test('fork previews: a run keeps its base-branch commit and fork flag; pull requests and previews keep where their head lives', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const branchRun = await a.createRun(newRun('p'));
    assert.deepEqual([branchRun.configSha, branchRun.fromFork], [null, 0]);
    const forkRun = await a.createRun(newRun('p', at(2), { preview: 7, configSha: 'b'.repeat(40), fromFork: 1 }));
    assert.deepEqual(await b.getRun(forkRun.id), forkRun);
    assert.deepEqual([forkRun.preview, forkRun.configSha, forkRun.fromFork], [7, 'b'.repeat(40), 1]);
    const pr = { project: 'p', number: 7, state: 'open', headSha: 'c'.repeat(40), headRef: 'feature', fromFork: 1, updatedAt: at(3), host: 'bitbucket', baseRef: 'main', headRepo: 'eve/app', baseRepo: 'acme/app' };
    await a.upsertPullRequest(pr);
    assert.deepEqual(await b.getPullRequest('p', 7), pr);
    const moved = { ...pr, headSha: 'd'.repeat(40), baseRef: 'release/2', headRepo: 'eve/app2', updatedAt: at(4) };
    await b.upsertPullRequest(moved);
    assert.deepEqual(await a.listPullRequests('p'), [moved]);
    const preview = { project: 'p', number: 7, headSha: pr.headSha, headRef: 'feature', state: 'active', reason: null, createdAt: at(3), updatedAt: at(3), lastRequestAt: null, requestsSeen: 0, configSha: 'b'.repeat(40) };
    await a.upsertPreview(preview);
    await b.upsertPreview({ ...preview, configSha: 'e'.repeat(40), updatedAt: at(5) });
    assert.equal((await a.getPreview('p', 7))?.configSha, 'e'.repeat(40));
  });

  void test('tokens: create, find by public id, list by name, revoke once; a name is taken for good', async () => {
    const { a, b } = stores();
    const token = (name: string, id: string): TokenRecord => ({
      name,
      id,
      hash: 'f'.repeat(64),
      role: 'deployer',
      projects: '["p"]',
      environments: null,
      createdBy: 'admin',
      createdAt: at(0),
      expiresAt: at(60),
      revokedAt: null,
    });
    await a.createToken(token('zed', '00000000000000aa'));
    await a.createToken(token('ci', '00000000000000bb'));
    assert.deepEqual(await b.getTokenById('00000000000000bb'), token('ci', '00000000000000bb'));
    assert.equal(await b.getTokenById('00000000000000cc'), undefined);
    assert.deepEqual((await b.listTokens()).map((t) => t.name), ['ci', 'zed']);
    await assert.rejects(b.createToken(token('ci', '00000000000000dd')), /a token named ci exists/);
    assert.equal(await b.revokeToken('ci', at(1)), true);
    assert.equal(await a.revokeToken('ci', at(2)), false, 'revoked once');
    assert.equal(await a.revokeToken('nobody', at(2)), false);
    assert.equal((await a.getTokenById('00000000000000bb'))?.revokedAt, at(1));
    await assert.rejects(a.createToken(token('ci', '00000000000000ee')), /exists/, 'a revoked name stays taken');
  });

  void test('runs record who triggered them', async () => {
    const { a, b } = stores();
    await a.createProject(project('p'));
    const byToken = await a.createRun({ ...newRun('p'), triggeredBy: 'releaser' });
    const byCommit = await a.createRun(newRun('p'));
    assert.equal((await b.getRun(byToken.id))?.triggeredBy, 'releaser');
    assert.equal((await b.getRun(byCommit.id))?.triggeredBy, null);
  });
  void test('audit: appends chain entry to entry (ids 1, 2, 3; each holds the hash before it), lists newest first by project and time', async () => {
    const { a, b } = stores();
    assert.deepEqual(await a.auditHead(), { lastId: 0, lastHash: genesisHash }, 'the migration starts the chain head');
    const e1 = await a.appendAudit(auditEntry(1, 'web'));
    const e2 = await b.appendAudit(auditEntry(2, 'api'));
    const e3 = await a.appendAudit(auditEntry(3, null));
    assert.deepEqual([e1.id, e2.id, e3.id], [1, 2, 3]);
    assert.equal(e1.prevHash, genesisHash);
    assert.equal(e2.prevHash, e1.hash);
    assert.equal(e3.prevHash, e2.hash);
    assert.equal(e2.hash, auditHash(auditEntry(2, 'api'), e1.hash));
    assert.deepEqual(await b.auditHead(), { lastId: 3, lastHash: e3.hash });
    assert.deepEqual(await b.listAudit({ limit: 10 }), [e3, e2, e1]);
    assert.deepEqual(await b.listAudit({ limit: 2 }), [e3, e2]);
    assert.deepEqual(await b.listAudit({ limit: 10, project: 'web' }), [e1]);
    assert.deepEqual(await b.listAudit({ limit: 10, since: at(2) }), [e3, e2]);
    assert.deepEqual(await b.auditChain(1, 10), [e2, e3]);
    assert.equal(await b.auditIdOfHash(e2.hash), 2);
    assert.equal(await b.auditIdOfHash('f'.repeat(64)), undefined);
    assert.equal((await verifyChain(b)).ok, true);
  });

  void test('audit: 30 concurrent appends from two servers make one chain, ids 1..30, that verifies', async () => {
    const { a, b } = stores();
    const written = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).appendAudit(auditEntry(i, 'p'))));
    assert.deepEqual(written.map((e) => e.id).sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
    const chain = await a.auditChain(0, 100);
    for (let i = 1; i < chain.length; i++) assert.equal(chain[i]!.prevHash, chain[i - 1]!.hash, `entry ${chain[i]!.id}`);
    const v = await verifyChain(b);
    assert.deepEqual([v.ok, v.entries], [true, 30]);
  });

  void test('certificates: put inserts then replaces, get, list in id order, delete once; the record comes back exactly', async () => {
    const { a, b } = stores();
    const domains = ['www.shop.example.com', 'shop.example.com'];
    const pending: CertificateRecord = {
      id: certificateId(domains), domains, source: 'acme', state: 'pending', certificatePem: null, sealedKey: null, notAfter: null, issuer: null,
      lastError: null, failures: 0, nextAttemptAt: null, orderUrl: 'https://ca.test/order/1', updatedAt: at(1),
    };
    await a.putCertificate(pending);
    assert.deepEqual(await b.getCertificate(pending.id), pending);
    const valid: CertificateRecord = { ...pending, state: 'valid', certificatePem: '-----BEGIN CERTIFICATE-----\n…', sealedKey: '{"sealed":1}', notAfter: at(9), issuer: 'Pebble Intermediate CA', orderUrl: null, updatedAt: at(2) };
    await b.putCertificate(valid);
    const provided: CertificateRecord = { ...valid, id: certificateId(['api.example.com']), domains: ['api.example.com'], source: 'provided' };
    await a.putCertificate(provided);
    assert.deepEqual(await a.listCertificates(), [valid, provided].sort((x, y) => (x.id < y.id ? -1 : 1)));
    assert.equal(await b.deleteCertificate(valid.id), true);
    assert.equal(await b.deleteCertificate(valid.id), false);
    assert.equal(await a.getCertificate(valid.id), undefined);
    assert.deepEqual(await a.listCertificates(), [provided]);
  });

  void test('certificates: an invalid record (no domain, an unknown state) is refused before it is written', async () => {
    const { a } = stores();
    const bad = { id: 'cert-x', domains: [], source: 'acme', state: 'pending', certificatePem: null, sealedKey: null, notAfter: null, issuer: null, lastError: null, failures: 0, nextAttemptAt: null, orderUrl: null, updatedAt: at(1) } as CertificateRecord;
    await assert.rejects(a.putCertificate(bad));
    assert.deepEqual(await a.listCertificates(), []);
    await a.putCertificate({ ...bad, domains: ['a.example.com'] });
    await assert.rejects(a.putCertificate({ ...bad, domains: ['a.example.com'], state: 'exploded' as never }));
    assert.equal((await a.getCertificate('cert-x'))?.state, 'pending');
  });

  void test('ACME accounts: one per directory URL, replaced by a put', async () => {
    const { a, b } = stores();
    const account = { directoryUrl: 'https://ca.test/dir', accountUrl: 'https://ca.test/acct/1', sealedKey: '{"sealed":1}', email: null, createdAt: at(1) };
    assert.equal(await b.getAcmeAccount(account.directoryUrl), undefined);
    await a.putAcmeAccount(account);
    assert.deepEqual(await b.getAcmeAccount(account.directoryUrl), account);
    await b.putAcmeAccount({ ...account, accountUrl: 'https://ca.test/acct/2', email: 'ops@example.com' });
    assert.deepEqual(await a.getAcmeAccount(account.directoryUrl), { ...account, accountUrl: 'https://ca.test/acct/2', email: 'ops@example.com' });
    assert.equal(await a.getAcmeAccount('https://other.test/dir'), undefined);
  });

  void test('secret grants: grant (also to a project not added yet), list, grant twice, revoke', async () => {
    const { a, b } = stores();
    const g = { group: 'prod', project: 'later', createdBy: 'admin', createdAt: at(1) };
    assert.equal(await a.grantSecretGroup(g), true);
    assert.equal(await b.grantSecretGroup({ ...g, createdBy: 'other' }), false);
    await a.grantSecretGroup({ ...g, group: 'build' });
    await a.grantSecretGroup({ ...g, project: 'web' });
    assert.deepEqual(await b.listSecretGrants({ project: 'later' }), [{ ...g, group: 'build' }, g]);
    assert.deepEqual((await b.listSecretGrants({ group: 'prod' })).map((x) => x.project), ['later', 'web']);
    assert.equal((await b.listSecretGrants()).length, 3);
    assert.equal(await b.revokeSecretGrant('prod', 'later'), true);
    assert.equal(await a.revokeSecretGrant('prod', 'later'), false);
    assert.deepEqual((await a.listSecretGrants({ project: 'later' })).map((x) => x.group), ['build']);
  });

  void test("secret versions: a key's history newest first, tombstones included, never a sealed value; other keys and groups apart", async () => {
    const { a, b } = stores();
    const meta = (by: string, t: number, deleted = false): { deleted: boolean; createdBy: string; createdAt: string } => ({ deleted, createdBy: by, createdAt: at(t) });
    assert.deepEqual(await a.secretVersions('cfg', 'API_KEY'), [], 'a key never set has no versions');
    await a.putSecret('cfg', 'API_KEY', (v) => `sealed-${v}`, meta('alice', 1));
    await b.putSecret('cfg', 'API_KEY', (v) => `sealed-${v}`, meta('bob', 2));
    await a.putSecret('cfg', 'API_KEY', () => '', meta('alice', 3, true));
    await b.putSecret('cfg', 'OTHER', (v) => `sealed-${v}`, meta('bob', 4));
    await b.putSecret('other-group', 'API_KEY', (v) => `sealed-${v}`, meta('bob', 5));
    const versions = await b.secretVersions('cfg', 'API_KEY');
    assert.deepEqual(versions, [
      { group: 'cfg', key: 'API_KEY', version: 3, deleted: 1, createdBy: 'alice', createdAt: at(3) },
      { group: 'cfg', key: 'API_KEY', version: 2, deleted: 0, createdBy: 'bob', createdAt: at(2) },
      { group: 'cfg', key: 'API_KEY', version: 1, deleted: 0, createdBy: 'alice', createdAt: at(1) },
    ]);
    assert.ok(versions.every((v) => !('sealed' in v)), 'no sealed value is read');
    assert.deepEqual((await a.secretVersions('cfg', 'OTHER')).map((v) => v.version), [1]);
    assert.deepEqual((await a.secretVersions('other-group', 'API_KEY')).map((v) => v.version), [1]);
    assert.deepEqual(await a.secretVersions('cfg', 'api_key'), [], 'keys are matched exactly');
  });

  void test('domain claims: replaced per environment, a domain held elsewhere is refused naming the holder, nothing changes', async () => {
    const { a, b } = stores();
    const claim = (domain: string, p: string, e: string, extra: Partial<DomainClaim> = {}): DomainClaim => ({ domain, project: p, environment: e, service: 'web', certificate: null, hsts: false, ...extra });
    const own = { group: 'certs', key: 'SHOP_PEM' };
    await a.replaceDomainClaims('shop', 'production', [claim('shop.example.com', 'shop', 'production', { hsts: true }), claim('www.shop.example.com', 'shop', 'production', { certificate: own })]);
    await a.replaceDomainClaims('shop', 'staging', [claim('staging.shop.example.com', 'shop', 'staging')]);
    assert.deepEqual(
      (await b.listDomainClaims({ project: 'shop' })).map((c) => [c.domain, c.environment, c.certificate, c.hsts]),
      [
        ['shop.example.com', 'production', null, true],
        ['www.shop.example.com', 'production', own, false],
        ['staging.shop.example.com', 'staging', null, false],
      ],
    );
    // Another project, and another environment of the same project, are refused: the holder is named, nothing is written.
    await assert.rejects(b.replaceDomainClaims('blog', 'production', [claim('blog.example.com', 'blog', 'production'), claim('shop.example.com', 'blog', 'production')]), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'conflict');
      assert.equal(e.message, 'shop.example.com is already claimed by project shop, environment production');
      return true;
    });
    await assert.rejects(a.replaceDomainClaims('shop', 'staging', [claim('www.shop.example.com', 'shop', 'staging')]), /www\.shop\.example\.com is already claimed by project shop, environment production/);
    assert.deepEqual(await a.listDomainClaims({ project: 'blog' }), []);
    assert.deepEqual((await a.listDomainClaims({ project: 'shop' })).map((c) => c.domain).sort(), ['shop.example.com', 'staging.shop.example.com', 'www.shop.example.com']);
    // Replacing drops what the new set leaves out; an empty set releases everything.
    await b.replaceDomainClaims('shop', 'production', [claim('shop.example.com', 'shop', 'production')]);
    await a.replaceDomainClaims('blog', 'production', [claim('www.shop.example.com', 'blog', 'production')]);
    await a.replaceDomainClaims('shop', 'staging', []);
    assert.deepEqual((await b.listDomainClaims()).map((c) => `${c.domain}@${c.project}/${c.environment}`), ['www.shop.example.com@blog/production', 'shop.example.com@shop/production']);
    // Two servers racing for one domain: exactly one wins, the other is told who holds it.
    const race = await Promise.allSettled([a.replaceDomainClaims('x', 'production', [claim('race.example.com', 'x', 'production')]), b.replaceDomainClaims('y', 'production', [claim('race.example.com', 'y', 'production')])]);
    assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = race.find((r) => r.status === 'rejected');
    assert.match(String((lost as PromiseRejectedResult).reason), /race\.example\.com is already claimed by project [xy], environment production/);
  });
});

function auditEntry(i: number, projectName: string | null): NewAuditEntry {
  return { at: at(i), actor: `token-${i}`, role: 'admin', action: 'run.approve', target: `web#${i}`, project: projectName, outcome: 'ok', status: 200, source: '127.0.0.1' };
}

function verifyChain(store: Store) {
  return verifyAuditChain({ chain: (after, limit) => store.auditChain(after, limit), head: () => store.auditHead(), idOfHash: (h) => store.auditIdOfHash(h) });
}
