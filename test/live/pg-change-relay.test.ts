// The relay between servers sharing a PostgreSQL store (src/live/postgres/pg-change-relay.ts),
// against the real PostgreSQL of the store contract suite: relays on one schema hear each
// other's changes and not their own; another schema hears nothing; malformed notes are dropped;
// an oversized change is shrunk; a terminated listening connection comes back and resets the feed;
// an unreachable database is retried quietly.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { ChangeFeed } from '../../src/live/change-feed.ts';
import type { LiveChange } from '../../src/live/live-change.ts';
import { channelOf, notifyMaxBytes, PgChangeRelay } from '../../src/live/postgres/pg-change-relay.ts';
import { encodeNote } from '../../src/live/relay-note.ts';
import { waitFor } from '../wait-for.ts';
import { postgresImplementation } from '../store/store-fixtures.ts';

const impl = await postgresImplementation();

interface Node {
  feed: ChangeFeed;
  relay: PgChangeRelay;
  changes: LiveChange[];
  resets: string[];
  logs: string[];
}

/** Fresh schemas (the relay's channel is named after the store's, which exists by then), dropped after. */
async function setUp(t: TestContext, schemas: number): Promise<{ schemas: string[]; admin: pg.Client; node(schema: string, retry?: { initialMs: number; maxMs: number }): Promise<Node> } | null> {
  if (impl.skip || !impl.connectionString) {
    console.log(`skipped: ${impl.skip}`);
    t.skip(impl.skip);
    return null;
  }
  const connectionString = impl.connectionString;
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  const names = Array.from({ length: schemas }, () => `sluice_relay_${randomBytes(6).toString('hex')}`);
  for (const s of names) await admin.query(`create schema ${s}`);
  const relays: PgChangeRelay[] = [];
  t.after(async () => {
    for (const r of relays) await r.close();
    for (const s of names) await admin.query(`drop schema if exists ${s} cascade`);
    await admin.end();
  });
  return {
    schemas: names,
    admin,
    async node(schema, retry) {
      const feed = new ChangeFeed();
      const n: Node = { feed, relay: null as unknown as PgChangeRelay, changes: [], resets: [], logs: [] };
      feed.subscribe(
        (c) => n.changes.push(c),
        (r) => n.resets.push(r.reason),
      );
      const log = (m: string): number => n.logs.push(m);
      n.relay = new PgChangeRelay({ connectionString, schema, feed, logger: { info: log, warn: log }, ...(retry ? { retry } : {}) });
      relays.push(n.relay);
      await n.relay.start();
      assert.ok(n.relay.pid !== null, `listening: ${n.logs.join('; ')}`);
      return n;
    },
  };
}

const projects = (n: Node): string[] => n.changes.map((c) => `${c.kind} ${c.project}`);

void test('relays on one schema hear each other\'s changes, not their own; another schema hears nothing; traffic stays home', async (t) => {
  const env = await setUp(t, 2);
  if (!env) return;
  const [one, two] = env.schemas as [string, string];
  const a = await env.node(one);
  const b = await env.node(one);
  const c = await env.node(two);
  const d = await env.node(two);
  assert.equal(a.relay.channel, channelOf(one));

  a.feed.publish({ kind: 'project', project: 'from-a' });
  a.feed.publish({ kind: 'traffic', project: 'from-a', samples: [{ environment: 'production', at: 't', rps: 1, errorRate: null }] });
  a.feed.publish({ kind: 'run', project: 'from-a', run: { id: 'r1', number: 4, state: 'running' } });
  await waitFor('b hears a', () => b.changes.length >= 2);
  b.feed.publish({ kind: 'flag', project: 'from-b', environment: 'production' });
  await waitFor('a hears b', () => a.changes.length >= 4);
  // The other schema: d's note arrives after a's and b's were committed; c hears d, not them.
  d.feed.publish({ kind: 'environment', project: 'from-d', environment: 'staging' });
  await waitFor('c hears d', () => c.changes.length >= 1);

  assert.deepEqual(projects(a), ['project from-a', 'traffic from-a', 'run from-a', 'flag from-b'], 'a: its own three, b\'s one, nothing echoed back');
  assert.deepEqual(projects(b), ['project from-a', 'run from-a', 'flag from-b'], 'b: a\'s changes without traffic, then its own');
  const run = b.changes[1];
  assert.ok(run?.kind === 'run' && run.run.id === 'r1' && run.run.number === 4 && run.run.state === 'running');
  assert.deepEqual(b.changes.map((x) => x.seq), [1, 2, 3], 'numbered by the receiving feed');
  assert.deepEqual(projects(c), ['environment from-d']);
  assert.deepEqual(projects(d), ['environment from-d']);
  for (const n of [a, b, c, d]) assert.deepEqual([n.resets, n.logs], [[], []]);
});

void test('a malformed note is logged and dropped; the relay goes on', async (t) => {
  const env = await setUp(t, 1);
  if (!env) return;
  const [schema] = env.schemas as [string];
  const b = await env.node(schema);
  const channel = channelOf(schema);
  for (const payload of ['not json', '{"type":"change","boot":"someone","change":{"kind":"nope","project":"x"}}', '{"type":"change","change":{"kind":"project","project":"x","seq":1,"at":"t"}}', '[]']) {
    await env.admin.query('select pg_notify($1, $2)', [channel, payload]);
  }
  const good = encodeNote({ type: 'change', boot: 'other', change: { kind: 'project', project: 'good', seq: 9, at: 't' } }, notifyMaxBytes)!;
  await env.admin.query('select pg_notify($1, $2)', [channel, good]);
  await waitFor('the good note', () => b.changes.length >= 1);
  assert.deepEqual(projects(b), ['project good']);
  assert.equal(b.logs.length, 4, b.logs.join('\n'));
  for (const line of b.logs) assert.match(line, /^live relay: dropped a malformed note \(/);
  assert.match(b.logs[0]!, /not JSON/);
  assert.match(b.logs[1]!, /change\.kind/);
  assert.match(b.logs[2]!, /boot/);
});

void test('an event too large for NOTIFY goes out without its summary; a change that cannot shrink so becomes its project', async (t) => {
  const summary = 'é'.repeat(6000); // 12,000 bytes
  const event = { type: 'change', boot: 'x', change: { kind: 'event', project: 'shop', environment: 'production', seq: 1, at: 't', event: { kind: 'deploy.succeeded', summary, seq: 77 } } } as const;
  const small = JSON.parse(encodeNote(event, notifyMaxBytes)!) as typeof event;
  assert.deepEqual(small.change.event, { kind: 'deploy.succeeded', summary: '', seq: 77 });
  const run = { type: 'change', boot: 'x', change: { kind: 'run', project: 'shop', seq: 2, at: 't', run: { id: 'r', number: 1, state: 'x'.repeat(9000) } } } as const;
  assert.deepEqual(JSON.parse(encodeNote(run, notifyMaxBytes)!), { type: 'change', boot: 'x', change: { kind: 'project', project: 'shop', seq: 2, at: 't' } });
  assert.equal(encodeNote({ type: 'change', boot: 'x', change: { kind: 'project', project: 'p'.repeat(9000), seq: 3, at: 't' } }, notifyMaxBytes), null);

  const env = await setUp(t, 1);
  if (!env) return;
  const [schema] = env.schemas as [string];
  const a = await env.node(schema);
  const b = await env.node(schema);
  a.feed.publish({ kind: 'event', project: 'shop', environment: 'production', event: { kind: 'deploy.succeeded', summary, seq: 77 } });
  a.feed.publish({ kind: 'project', project: 'after' });
  await waitFor('both changes', () => b.changes.length >= 2);
  const got = b.changes[0];
  assert.ok(got?.kind === 'event' && got.environment === 'production' && got.event.seq === 77 && got.event.summary === '', JSON.stringify(got));
  assert.deepEqual(a.logs, [], 'nothing refused');
});

void test('a terminated listening connection comes back: logged once, the feed reset, changes flow again; what it could not send resets the others', async (t) => {
  const env = await setUp(t, 1);
  if (!env) return;
  const [schema] = env.schemas as [string];
  const a = await env.node(schema);
  // Its first retry at least 500 ms later: time to publish while it is away.
  const b = await env.node(schema, { initialMs: 1000, maxMs: 2000 });
  const pid = b.relay.pid!;
  await env.admin.query('select pg_terminate_backend($1)', [pid]);
  await waitFor('b notices', () => b.relay.pid === null);
  // While b is away: its own change cannot be sent, a's is not heard.
  b.feed.publish({ kind: 'project', project: 'while-b-away' });
  a.feed.publish({ kind: 'project', project: 'missed-by-b' });
  await waitFor('b back', () => b.relay.pid !== null, 15_000);
  assert.notEqual(b.relay.pid, pid);
  assert.equal(b.resets.length, 1, 'b\'s pages re-read');
  assert.equal(b.logs.length, 2, b.logs.join('\n'));
  assert.match(b.logs[0]!, /^live updates: lost the PostgreSQL connection that hears the other servers \(.*terminat/);
  assert.match(b.logs[1]!, /listening to the other servers again/);
  await waitFor('a reset by b\'s note', () => a.resets.length === 1);
  assert.match(a.resets[0]!, /another server could not send its changes/);

  a.feed.publish({ kind: 'project', project: 'after' });
  await waitFor('b hears a again', () => b.changes.some((c) => c.project === 'after'));
  assert.deepEqual(projects(b), ['project while-b-away', 'project after']);
  assert.equal(a.changes.filter((c) => c.project === 'while-b-away').length, 0, 'never delivered, replaced by the reset');
  assert.deepEqual(a.logs, []);
});

void test('a relay that cannot reach PostgreSQL keeps trying, logs the outage once and crashes nothing', async () => {
  // A "database" that hangs up on every connection: counts the attempts.
  let attempts = 0;
  const refuser = net.createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
  const port = (refuser.address() as net.AddressInfo).port;
  const logs: string[] = [];
  const feed = new ChangeFeed();
  const relay = new PgChangeRelay({ connectionString: `postgres://nobody@127.0.0.1:${port}/none`, feed, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) }, retry: { initialMs: 10, maxMs: 40 } });
  try {
    await relay.start();
    feed.publish({ kind: 'project', project: 'unsent' });
    await waitFor('three attempts', () => attempts >= 3);
    assert.equal(relay.pid, null);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0]!, /^live updates: lost the PostgreSQL connection that hears the other servers/);
  } finally {
    await relay.close();
    await new Promise((resolve) => refuser.close(resolve));
  }
});
