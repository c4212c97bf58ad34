// What the engine and the certificate manager emit: facts from the Run record (commit message
// and author, cause), the approve command of a waiting run, one certificate.failed per holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateFailedEvents } from '../../src/certificates/certificate-failed-events.ts';
import { previewReadyEvent, runEndedEvent, runWaitingEvent } from '../../src/engine/run-events.ts';
import type { Run } from '../../src/store/records.ts';
import type { DomainClaim } from '../../src/domains/domain-claim.ts';

const run: Run = {
  id: 'run-7', project: 'shop', number: 7, commitSha: 'c'.repeat(40), branch: 'main', ref: 'refs/heads/main', author: 'Ada <ada@example.com>', message: 'fix: checkout', trigger: 'webhook:github',
  preview: null, state: 'failed', reason: null, artifactDigest: null, image: null, specJson: null, attempt: 0, cancelRequested: 0, leaseOwner: null, leaseExpiresAt: null, approvedBy: null, approvedAt: null,
  triggeredBy: null, createdAt: '2026-12-05T00:00:00.000Z', startedAt: null, finishedAt: null, configSha: null, fromFork: 0,
};

void test('run events carry the run, its commit message and author, and who caused it', () => {
  const failed = runEndedEvent(run, 'failed', 'test: exit 1');
  assert.deepEqual(failed, {
    kind: 'run.failed', project: 'shop', environment: null, release: null, run: { id: 'run-7', number: 7 },
    commit: { sha: 'c'.repeat(40), message: 'fix: checkout', author: 'Ada <ada@example.com>', committedAt: null }, cause: 'webhook',
    summary: 'run #7 of main failed: test: exit 1', facts: { state: 'failed', branch: 'main', ref: 'refs/heads/main', trigger: 'webhook:github', reason: 'test: exit 1' },
  });
  assert.equal(runEndedEvent({ ...run, triggeredBy: 'ci' }, 'succeeded', null).cause, 'token:ci');
  assert.equal(runEndedEvent({ ...run, trigger: 'poll' }, 'succeeded', null).kind, 'run.succeeded');
  assert.equal(runEndedEvent({ ...run, trigger: 'poll' }, 'succeeded', null).cause, 'commit');
  const waiting = runWaitingEvent(run, 'approval:production', 'production', 'waiting for approval');
  assert.equal(waiting.facts.approveCommand, 'sluice approve run-7');
  assert.equal(waiting.environment, 'production');
  assert.match(waiting.summary, /waits for approval to deploy to production: sluice approve run-7/);
  const ready = previewReadyEvent({ ...run, preview: 42 }, 'http://pr-42.shop.localhost:8080');
  assert.deepEqual([ready.kind, ready.environment, ready.facts.url], ['preview.ready', 'pr-42', 'http://pr-42.shop.localhost:8080']);
});

void test('a failed certificate is one event per project and environment holding its names; the API name has none', () => {
  const claim = (domain: string, project: string, environment: string): DomainClaim => ({ domain, project, environment, service: 'web', certificate: null, hsts: false });
  const events = certificateFailedEvents(
    { domains: ['a.example.com', 'b.example.com'], error: 'urn:ietf:params:acme:error:dns', failures: 1, nextAttemptAt: '2026-12-05T00:01:00.000Z' },
    [claim('a.example.com', 'shop', 'production'), claim('b.example.com', 'shop', 'production'), claim('c.example.com', 'blog', 'production')],
  );
  assert.deepEqual(events.map((e) => [e.kind, e.project, e.environment, e.facts.error]), [['certificate.failed', 'shop', 'production', 'urn:ietf:params:acme:error:dns']]);
  assert.deepEqual(certificateFailedEvents({ domains: ['api.example.com'], error: 'x', failures: 1, nextAttemptAt: '' }, []), []);
});
