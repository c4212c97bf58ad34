// Notifications through a real server: 20 run.failed events reach the outbox while the
// receiver refuses them, the server is SIGKILLed, restarted, and every event is delivered,
// none twice under one webhook-id, each signed with the project's secret from `project add`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestRepo, TestServer } from './harness.ts';
import { startReceiver, waitFor } from '../notifications/receiver.ts';

interface DeliveryJson {
  event: { kind: string; id: string };
  target: string;
  state: string;
  attempts: number;
  lastStatus: string | null;
  nextAttemptAt: string | null;
}

const EVENTS = 20;

void test('20 events in the outbox survive a SIGKILL of the server: each is delivered once, signed, after three refusals', async (t) => {
  // Refuses everything until the server is killed; afterwards fails only the first three attempts of an id.
  const receiver = await startReceiver({ failFirst: 1_000_000 });
  t.after(() => receiver.close());
  // main: a valid file (its run succeeds; run.succeeded is not subscribed) naming the receiver.
  const repo = new TestRepo({
    'sluice.yaml': ['build:', '  - run: "true"', 'notifications:', `  - url: ${receiver.url}`, '    events: [run.failed]', `  - url: ${receiver.url.replace('127.0.0.1', 'localhost')}`, '    format: slack', '    events: [rollback]', ''].join('\n'),
  });
  const server = await TestServer.start(['--notify-retry', '300ms', '--max-runs', '4']);
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const added = await server.json<{ notifications: { signingSecret: string } }>(['project', 'add', 'shop', '--repo', repo.dir]);
  assert.match(added.notifications.signingSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const shown = await server.json<{ notifications?: { signingSecret: string } }>(['project', 'show', 'shop']);
  assert.equal(shown.notifications?.signingSecret, added.notifications.signingSecret, 'an admin sees the same secret');
  receiver.secret = added.notifications.signingSecret;
  const runs = async (): Promise<Array<{ state: string; branch?: string }>> => (await server.api<Array<{ state: string }>>('GET', '/api/projects/shop/runs')).body;
  await server.waitFor('the main run to succeed', async () => (await runs()).some((r) => r.state === 'succeeded'), 120_000);

  // 20 branches, each one commit with a broken file: 20 runs at once (no branch supersedes
  // another), each failing at checkout → 20 run.failed events within seconds. Targets come from
  // main's file only.
  for (let n = 1; n <= EVENTS; n++) {
    repo.git('checkout', '-q', '-b', `b${n}`, 'main');
    repo.commit(`break b${n}`, { 'sluice.yaml': 'build: 3\n' });
  }
  repo.git('checkout', '-q', 'main');
  for (let n = 1; n <= EVENTS; n++) {
    const r = await server.api<{ id: string }>('POST', '/api/projects/shop/trigger', { ref: `b${n}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await server.waitFor('20 failed runs', async () => (await runs()).filter((r) => r.state === 'failed').length === EVENTS || undefined, 180_000);
  const log = (): Promise<DeliveryJson[]> => server.json<DeliveryJson[]>(['notifications', 'shop']);
  await server.waitFor('20 deliveries in the outbox', async () => (await log()).length === EVENTS, 30_000);
  const before = await log();
  assert.ok(before.every((d) => d.state === 'pending' && d.event.kind === 'run.failed'), JSON.stringify(before.slice(0, 3)));
  assert.ok(before.every((d) => d.target === new URL(receiver.url).host));

  await server.kill9();
  // From now on each id is accepted at its fourth attempt (most already had three refusals).
  receiver.failFirstOverride = () => 3;
  await server.launch();

  await waitFor('every event delivered', () => receiver.accepted.size === EVENTS, 180_000);
  await server.waitFor('the log to say delivered', async () => (await log()).every((d) => d.state === 'delivered') || undefined, 30_000);
  assert.equal(receiver.badSignatures, 0);
  assert.equal(receiver.duplicates, 0, 'no event delivered twice under one id');
  const ids = new Set(before.map((d) => d.event.id));
  assert.deepEqual([...receiver.accepted.keys()].sort(), [...ids].sort());
  for (const d of await log()) {
    assert.equal(d.lastStatus, 'HTTP 204');
    assert.ok(d.attempts >= 4, `at least three refusals before the delivery (${d.attempts})`);
    assert.equal(d.nextAttemptAt, null);
  }
  const body = [...receiver.accepted.values()][0]?.body as { type: string; data: { project: string; commit: { message: string; author: string }; links: { run: string }; cause: string } };
  assert.equal(body.type, 'run.failed');
  assert.equal(body.data.project, 'shop');
  assert.match(body.data.commit.message, /^break b\d+$/);
  assert.match(body.data.commit.author, /Test Author/);
  assert.match(body.data.links.run, new RegExp(`^${server.url}/api/runs/`));
});
