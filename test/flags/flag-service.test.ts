// FlagService over a real SQLite store with a recording FlagPublisher: a release's file becomes
// the environment's definitions, overrides compose with them and outlive redeploys (the deploy
// log shows the redefinition under an override), removed flags are archived with a warning,
// every change is a version with its history, revert goes back to a version, and bad commands
// change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { FlagService, type ReleaseFlagFile } from '../../src/engine/flags/flag-service.ts';
import type { EnvironmentFlags } from '../../src/flags/environment-flags.ts';
import type { FlagPublisher } from '../../src/flags/flag-publisher.ts';
import type { FlagCommand } from '../../src/flags/flag-overrides.ts';
import { parseFlagsFile } from '../../src/flags/flags-file.ts';
import type { Store } from '../../src/store/store.ts';

function file(text: string): ReleaseFlagFile {
  const parsed = parseFlagsFile(text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return { fileName: 'flags.yaml', file: parsed.file };
}

const v1 = file(`flags:
  checkout:
    state: ENABLED
    client: true
    variants: { on: true, off: false }
    defaultVariant: off
  color:
    state: ENABLED
    variants: { red: red, blue: blue, green: green }
    defaultVariant: red
`);

class RecordingPublisher implements FlagPublisher {
  published: EnvironmentFlags[] = [];
  withdrawn: string[] = [];
  fail: Error | null = null;
  publish(flags: EnvironmentFlags): Promise<void> {
    if (this.fail) return Promise.reject(this.fail);
    this.published.push(structuredClone(flags));
    return Promise.resolve();
  }
  withdraw(project: string, environment: string): Promise<void> {
    this.withdrawn.push(`${project}/${environment}`);
    return Promise.resolve();
  }
  get last(): EnvironmentFlags {
    return this.published.at(-1)!;
  }
}

async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<{ store: Store; flags: FlagService; publisher: RecordingPublisher; log: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-flags-'));
  const store = openSqliteStore(join(dir, 'sluice.db'));
  await store.migrate();
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const publisher = new RecordingPublisher();
  let tick = 0;
  const clock = { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)), sleep: () => Promise.resolve() };
  const flags = new FlagService({ store, clock, logger: { info: () => {}, error: () => {} }, publisher });
  return { store, flags, publisher, log: [] };
}

void test('a release going live defines its flags and publishes them; client flags and versions', async (t) => {
  const { flags, publisher, log } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, (l) => log.push(l));
  assert.equal(publisher.last.version, 1);
  assert.deepEqual(Object.keys(publisher.last.flags), ['checkout', 'color']);
  assert.deepEqual(publisher.last.clientFlags, ['checkout']);
  assert.match(log[0]!, /^flags: 2 in flags\.yaml \(2 new, 0 changed, 0 archived\), version 1$/);
  // The same file again changes nothing: no new version, nothing published.
  await flags.releaseLive('shop', 'production', 2, v1, (l) => log.push(l));
  assert.equal(publisher.published.length, 1);
  assert.deepEqual((await flags.history('shop', 'production', 'checkout')).map((c) => `${c.version}:${c.action}:${c.actor}`), ['1:define:release 1']);
});

void test('set: --on, --off, --variant, --percent, --disable, --enable compose with the definition', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await flags.set('shop', 'production', 'checkout', { kind: 'on' }, 'alice');
  assert.deepEqual(publisher.last.flags.checkout, { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' });
  await flags.set('shop', 'production', 'checkout', { kind: 'percent', percent: 25 }, 'alice');
  assert.deepEqual(publisher.last.flags.checkout.targeting, { fractional: [['on', 25], ['off', 75]] });
  assert.equal(publisher.last.flags.checkout.defaultVariant, 'off');
  await flags.set('shop', 'production', 'color', { kind: 'percent', percent: 12.5, variant: 'blue' }, 'bob');
  assert.deepEqual(publisher.last.flags.color!.targeting, { fractional: [['blue', 1250], ['red', 8750]] });
  await flags.set('shop', 'production', 'checkout', { kind: 'disable' }, 'alice');
  assert.equal(publisher.last.flags.checkout.state, 'DISABLED');
  await flags.set('shop', 'production', 'checkout', { kind: 'enable' }, 'alice');
  assert.equal(publisher.last.flags.checkout.state, 'ENABLED');
  const view = await flags.set('shop', 'production', 'color', { kind: 'variant', variant: 'green' }, 'bob');
  assert.deepEqual(view.served, { state: 'ENABLED', variants: { red: 'red', blue: 'blue', green: 'green' }, defaultVariant: 'green' });
  assert.equal(view.version, 7);
  assert.equal(view.published, true);
  const history = await flags.history('shop', 'production', 'checkout');
  assert.deepEqual(history.map((c) => `${c.version} ${c.actor} ${c.summary}`), ['6 alice --enable', '5 alice --disable', '3 alice --percent 25', '2 alice --on', '1 release 1 defined by flags.yaml']);
  assert.deepEqual(history[0]!.before.override, { state: 'DISABLED', defaultVariant: 'off', targeting: { fractional: [['on', 25], ['off', 75]] } });
});

void test('bad commands are refused and change nothing: --percent 150, an unknown variant, --on on a flag without on, an unknown flag', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await assert.rejects(flags.set('shop', 'production', 'checkout', { kind: 'percent', percent: 150 }, 'a'), /--percent 150: expected a number from 0 to 100/);
  await assert.rejects(flags.set('shop', 'production', 'color', { kind: 'variant', variant: 'pink' }, 'a'), /no variant "pink" \(variants: red, blue, green\)/);
  await assert.rejects(flags.set('shop', 'production', 'color', { kind: 'on' }, 'a'), /no variant named "on" and no true variant/);
  await assert.rejects(flags.set('shop', 'production', 'nope', { kind: 'on' }, 'a'), /flag "nope" not found/);
  assert.equal((await flags.list('shop', 'production')).version, 1);
  assert.equal(publisher.published.length, 1);
});

void test('overrides outlive a redeploy; a redefinition under an override is in the deploy log; a removed flag is archived with a warning', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await flags.set('shop', 'production', 'checkout', { kind: 'on' }, 'alice');
  const v2 = file(`flags:
  checkout:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: off
    targeting: { if: [{ ends_with: [{ var: email }, "@shop.example"] }, on, off] }
`);
  const log: string[] = [];
  await flags.releaseLive('shop', 'production', 2, v2, (l) => log.push(l));
  assert.match(log.join('\n'), /flag checkout redefined under its override \(ENABLED, default on, no targeting\): targeting \{\} → \{"if"/);
  assert.match(log.join('\n'), /warning: flag color is no longer in flags\.yaml: archived, not deleted; evaluations of it answer FLAG_NOT_FOUND/);
  // The override still wins: no targeting, default on.
  assert.deepEqual(publisher.last.flags.checkout, { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' });
  assert.deepEqual(publisher.last.archived, ['color']);
  assert.deepEqual(publisher.last.clientFlags, []);
  await assert.rejects(flags.set('shop', 'production', 'color', { kind: 'variant', variant: 'blue' }, 'a'), /flag color is archived in shop\/production/);
  const list = await flags.list('shop', 'production');
  assert.deepEqual(list.flags.map((f) => `${f.key}:${f.archived}`), ['checkout:false', 'color:true']);
  // Back in the file: unarchived.
  await flags.releaseLive('shop', 'production', 3, v1, (l) => log.push(l));
  assert.deepEqual(publisher.last.archived, []);
});

void test('an override whose variant the file removed is dropped with a warning', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await flags.set('shop', 'production', 'color', { kind: 'variant', variant: 'green' }, 'alice');
  const log: string[] = [];
  await flags.releaseLive('shop', 'production', 2, file('flags:\n  checkout: { state: ENABLED, variants: { on: true, off: false }, defaultVariant: off }\n  color: { state: ENABLED, variants: { red: red, blue: blue }, defaultVariant: red }\n'), (l) => log.push(l));
  assert.match(log.join('\n'), /warning: flag color: its override \(ENABLED, default green, no targeting\) no longer fits the file \(variant "green" is no longer defined\): dropped/);
  assert.equal(publisher.last.flags.color!.defaultVariant, 'red');
});

void test('revert --to V puts the override of version V back (none before the first change); a future version is refused', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await flags.set('shop', 'production', 'checkout', { kind: 'percent', percent: 10 }, 'alice'); // v2
  await flags.set('shop', 'production', 'checkout', { kind: 'on' }, 'alice'); // v3
  await flags.revert('shop', 'production', 'checkout', 2, 'bob'); // v4
  assert.deepEqual(publisher.last.flags.checkout!.targeting, { fractional: [['on', 10], ['off', 90]] });
  await flags.revert('shop', 'production', 'checkout', 1, 'bob'); // v5: no override
  assert.deepEqual(publisher.last.flags.checkout, v1.file.flags.checkout);
  await assert.rejects(flags.revert('shop', 'production', 'checkout', 99, 'bob'), /--to 99: shop\/production is at version 5/);
  const [last] = await flags.history('shop', 'production', 'checkout');
  assert.equal(last!.summary, 'revert to version 1 (no override)');
  assert.equal(last!.after.override, null);
});

void test('a failing publisher: the change is stored, the command says it is not yet served; withdraw and republish', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  await flags.releaseLive('shop', 'pr-7', 1, v1, () => {});
  publisher.fail = new Error('data plane down');
  await assert.rejects(flags.set('shop', 'production', 'checkout', { kind: 'on' }, 'a'), /flag checkout changed \(version 2\) but not yet served: data plane down/);
  publisher.fail = null;
  const count = await flags.republishAll((_p, env) => Promise.resolve(env === 'production'));
  assert.equal(count, 1);
  assert.equal(publisher.last.flags.checkout!.defaultVariant, 'on');
  assert.deepEqual(publisher.withdrawn, ['shop/pr-7']);
  await flags.withdraw('shop', 'production');
  assert.equal((await flags.list('shop', 'production')).version, 0);
});

void test('concurrent changes of one environment each get their own version (compare-and-set, tried again)', async (t) => {
  const { flags, publisher } = await fixture(t);
  await flags.releaseLive('shop', 'production', 1, v1, () => {});
  const commands: Array<[string, FlagCommand]> = [['color', { kind: 'variant', variant: 'blue' }], ['checkout', { kind: 'off' }], ['color', { kind: 'disable' }], ['checkout', { kind: 'on' }], ['color', { kind: 'percent', percent: 40, variant: 'green' }]];
  const views = await Promise.all(commands.map(([key, c], i) => flags.set('shop', 'production', key, c, `user${i}`)));
  assert.deepEqual(views.map((v) => v.version).sort(), [2, 3, 4, 5, 6]);
  const all = [...(await flags.history('shop', 'production', 'checkout')), ...(await flags.history('shop', 'production', 'color'))].filter((c) => c.action === 'set');
  assert.deepEqual(all.map((c) => c.version).sort(), [2, 3, 4, 5, 6]);
  assert.equal(publisher.last.version, 6, 'the newest state is published last');
});

void test('a deploy does not wait longer than deployPublishMs for a publisher that never answers: a warning, and the state is stored', async (t) => {
  const { store } = await fixture(t);
  const never: FlagPublisher = { publish: () => new Promise(() => {}), withdraw: () => Promise.resolve() };
  const flags = new FlagService({ store, clock: { now: () => new Date(), sleep: () => Promise.resolve() }, logger: { info: () => {}, error: () => {} }, publisher: never, deployPublishMs: 50 });
  const log: string[] = [];
  await flags.releaseLive('shop', 'production', 1, v1, (l) => log.push(l));
  assert.match(log.at(-1)!, /^warning: flags of production stored but not yet served: not confirmed within 50 ms/);
  assert.equal((await store.getFlagState('shop', 'production'))?.version, 1);
});
