// The flag rollout machine with a hand-moved clock and fake router figures, over a real store
// and FlagService: a healthy variant steps up to everyone; a failing cohort is turned back at
// its first failing look (the prior override, published in the same advance), with the
// decision's figures and a rollout.aborted event; too little traffic waits, then asks a person;
// a new server resumes a stored rollout; without analysis the pause alone moves it on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagRolloutKit, served, type Kit } from './flag-rollout-kit.ts';
import { statusOfCode } from '../../src/api/error-status.ts';
import { SluiceError } from '../../src/errors.ts';
import { trafficSources } from '../../src/server/traffic-sources.ts';
import { FlagRolloutDriver } from '../../src/engine/flags/flag-rollout-driver.ts';

const start = (kit: Kit, extra: Record<string, unknown> = {}): ReturnType<Kit['service']['start']> =>
  kit.service.start('shop', 'production', 'checkout', { variant: 'on', steps: '10,50,100', pause: '30s', analysis: 'maxErrorRate=2%,interval=10s,minSamples=50', ...extra }, 'alice');

/** Moves the clock by one analysis interval, adding traffic first, then advances the stored rollout once. */
async function look(kit: Kit, cohort: [number, number], rest: [number, number]): Promise<void> {
  kit.figures.add('on', ...cohort);
  kit.figures.add('off', ...rest);
  kit.clock.advance(10_000);
  await kit.driver.pass();
}

const rolloutOf = async (kit: Kit) => (await kit.store.latestFlagRollout('shop', 'production', 'checkout'))!;

void test('a healthy variant steps 10 % → 50 % → everyone; each step a versioned change by who started it; attributed while it runs', async (t) => {
  const kit = await flagRolloutKit(t);
  const view = await start(kit);
  assert.deepEqual([view.strategy, view.state, view.weights], ['flag', 'progressing', { stable: 100, canary: 0, baseline: 0 }]);
  await kit.driver.pass();
  assert.deepEqual(served(kit), { fractional: [['on', 10], ['off', 90]] });
  assert.deepEqual(kit.published.at(-1)!.attributed, ['checkout'], 'the router attributes checkout while it rolls out');
  for (let i = 0; i < 3; i++) await look(kit, [100, 0], [900, 1]);
  let r = await rolloutOf(kit);
  assert.equal(r.step, 1, `after 30 s of passing looks the rollout is at step 2: ${kit.log.join('\n')}`);
  assert.deepEqual(served(kit), { fractional: [['on', 50], ['off', 50]] });
  for (let i = 0; i < 3; i++) await look(kit, [500, 1], [500, 1]);
  r = await rolloutOf(kit);
  assert.equal(r.state, 'promoted', kit.log.join('\n'));
  assert.equal(served(kit), 'on', 'everyone gets on');
  assert.equal(kit.published.at(-1)!.attributed, undefined, 'no longer attributed once it ended');
  const history = await kit.flags.history('shop', 'production', 'checkout');
  assert.deepEqual(history.slice(0, 3).map((c) => `${c.actor}:${c.summary}`), ['alice:--variant on', 'alice:--percent 50:on', 'alice:--percent 10:on']);
  const v = await kit.service.status('shop', 'production', 'checkout');
  assert.deepEqual([v.state, v.weights], ['promoted', { stable: 0, canary: 100, baseline: 0 }]);
  assert.ok(v.decisions.length >= 6 && v.decisions.every((d) => d.verdict === 'pass'), JSON.stringify(v.decisions));
  assert.deepEqual(kit.events.map((e) => `${e.kind}:${String(e.facts.flag)}`), ['rollout.promoted:checkout']);
});

void test('a cohort failing 10 % of its requests is turned back to what the flag served before at its first look, with the figures and a rollout.aborted event', async (t) => {
  const kit = await flagRolloutKit(t);
  await kit.flags.set('shop', 'production', 'checkout', { kind: 'percent', percent: 1, variant: 'on' }, 'bob');
  const before = served(kit);
  await start(kit);
  await kit.driver.pass();
  assert.deepEqual(served(kit), { fractional: [['on', 10], ['off', 90]] });
  await look(kit, [200, 20], [1800, 2]);
  const r = await rolloutOf(kit);
  assert.equal(r.state, 'aborted');
  assert.match(r.reason ?? '', /analysis failed at step 1 \(10%\)/);
  assert.deepEqual(served(kit), before, 'the override before the rollout is back');
  const last = (await kit.flags.history('shop', 'production', 'checkout'))[0]!;
  assert.equal(last.actor, 'rollout');
  assert.match(last.summary, /^flag rollout aborted: back to /);
  const v = await kit.service.status('shop', 'production', 'checkout');
  const failed = v.decisions.find((d) => d.verdict === 'fail');
  assert.ok(failed, JSON.stringify(v.decisions));
  assert.deepEqual(failed.samples, { canary: 200, baseline: 1800 });
  assert.deepEqual(v.weights, { stable: 100, canary: 0, baseline: 0 });
  assert.equal(kit.events.length, 1);
  const e = kit.events[0]!;
  assert.deepEqual([e.kind, e.cause, e.release, e.facts.flag, e.facts.variant, e.facts.failure], ['rollout.aborted', 'analysis', null, 'checkout', 'on', true]);
  assert.ok(Array.isArray(e.facts.decisions) && e.facts.decisions.some((d: { verdict: string }) => d.verdict === 'fail'));
  // Ended: a person re-enables by hand; the driver leaves it alone.
  await look(kit, [100, 0], [100, 0]);
  assert.deepEqual(served(kit), before);
});

void test('too little traffic is inconclusive: the step holds past its pause, then waits for a person; a promote moves it on', async (t) => {
  const kit = await flagRolloutKit(t);
  await start(kit);
  await kit.driver.pass();
  for (let i = 0; i < 5; i++) await look(kit, [1, 0], [9, 0]);
  let r = await rolloutOf(kit);
  assert.deepEqual([r.step, r.state], [0, 'progressing'], 'held past its 30 s pause');
  for (let i = 0; i < 11; i++) await look(kit, [1, 0], [9, 0]);
  r = await rolloutOf(kit);
  assert.deepEqual([r.step, r.state], [0, 'paused']);
  assert.match(r.reason ?? '', /too little traffic/);
  assert.ok((await kit.service.status('shop', 'production', 'checkout')).decisions.every((d) => d.verdict === 'inconclusive'));
  await kit.service.promote('shop', 'production', 'checkout', false);
  await kit.driver.pass();
  r = await rolloutOf(kit);
  assert.deepEqual([r.step, r.state], [1, 'progressing']);
  assert.deepEqual(served(kit), { fractional: [['on', 50], ['off', 50]] });
  await kit.service.abort('shop', 'production', 'checkout', 'carol');
  await kit.driver.pass();
  r = await rolloutOf(kit);
  assert.deepEqual([r.state, r.reason], ['aborted', 'aborted by carol']);
  assert.equal(served(kit), 'off', 'no override before: the file\'s default again');
  assert.deepEqual([kit.events[0]!.cause, kit.events[0]!.facts.failure], ['token:carol', false]);
});

void test('a new server resumes a stored rollout where it was; an unreadable stored plan ends it with the reason', async (t) => {
  const kit = await flagRolloutKit(t);
  await start(kit, { analysis: undefined });
  await kit.driver.pass();
  kit.clock.advance(30_000);
  await kit.driver.pass();
  assert.equal((await rolloutOf(kit)).step, 1);
  // The first server is gone; another on the same store takes over from the stored state.
  const again = kit.restart();
  kit.clock.advance(29_000);
  await again.driver.pass();
  assert.equal((await rolloutOf(kit)).step, 1, 'the pause counts from the stored step start');
  kit.clock.advance(1_000);
  await again.driver.pass();
  assert.equal((await rolloutOf(kit)).state, 'promoted');
  assert.equal(served(kit), 'on');

  await kit.service.start('shop', 'production', 'color', { variant: 'blue', steps: [20, 100] }, 'alice');
  const color = (await kit.store.latestFlagRollout('shop', 'production', 'color'))!;
  await kit.store.updateFlagRollout(color.id, { planJson: '{"steps":"many"}' });
  await again.driver.pass();
  const ended = (await kit.store.getFlagRollout(color.id))!;
  assert.equal(ended.state, 'aborted');
  assert.match(ended.reason ?? '', /flag rollout .* \(plan\)/);
});

void test('bad input is refused with the problem named, and nothing is written', async (t) => {
  const kit = await flagRolloutKit(t);
  const versionBefore = (await kit.flags.list('shop', 'production')).version;
  const cases: Array<[Record<string, unknown>, RegExp, string?]> = [
    [{ variant: 'blue' }, /flag checkout has no variant "blue" \(variants: on, off\)/],
    [{ steps: '5,150' }, /--steps 5,150: "150" is not a percentage from 1 to 100/],
    [{ steps: '0,50' }, /"0" is not a percentage from 1 to 100/],
    [{ steps: '50,25' }, /--steps 50,25: steps must increase \(50 then 25\)/],
    [{ steps: '5,,25' }, /"" is not a percentage/],
    [{ analysis: 'maxErrorRate' }, /--analysis maxErrorRate: "maxErrorRate" is not KEY=VALUE/],
    [{ analysis: 'maxErrorRate=lots' }, /--analysis maxErrorRate=lots: maxErrorRate: /],
    [{ analysis: 'maxErorRate=1%' }, /--analysis maxErorRate=1%: /],
    [{ pause: 'soon' }, /--pause soon: expected a duration/],
    [{}, /flag "nope" not found/, 'nope'],
  ];
  for (const [extra, message, key] of cases) {
    await assert.rejects(kit.service.start('shop', 'production', key ?? 'checkout', { variant: 'on', steps: '10,100', ...extra }, 'alice'), message, JSON.stringify(extra));
  }
  assert.deepEqual(await kit.store.listFlagRollouts({}), []);
  await start(kit);
  await assert.rejects(start(kit), /flag checkout of shop\/production is already rolling out on \(progressing, started by alice\): abort it first/);
  assert.equal((await kit.store.listFlagRollouts({})).length, 1);
  assert.equal((await kit.flags.list('shop', 'production')).version, versionBefore, 'no flag changed');
  // An archived flag: removed from the file by a later release.
  const { parseFlagsFile } = await import('../../src/flags/flags-file.ts');
  const parsed = parseFlagsFile('flags:\n  checkout:\n    state: ENABLED\n    variants: { on: true, off: false }\n    defaultVariant: off\n');
  assert.ok(parsed.ok);
  await kit.flags.releaseLive('shop', 'production', 2, { fileName: 'flags.yaml', file: parsed.file }, () => {});
  await assert.rejects(kit.service.start('shop', 'production', 'color', { variant: 'blue', steps: '10' }, 'alice'), /flag color is archived in shop\/production/);
  assert.equal(await kit.store.latestFlagRollout('shop', 'production', 'color'), undefined);
});

void test("a flag's rollouts as a list: empty before any, newest first after, other flags' apart", async (t) => {
  const kit = await flagRolloutKit(t);
  assert.deepEqual(await kit.service.list('shop', 'production', 'checkout'), [], 'none yet: an empty list, not a 404');
  const first = await start(kit);
  await kit.service.abort('shop', 'production', 'checkout', 'carol');
  await kit.driver.pass();
  kit.clock.advance(1000); // rollouts are ordered by their start time
  const second = await start(kit, { steps: '50,100' });
  await kit.service.start('shop', 'production', 'color', { variant: 'blue', steps: '10,100' }, 'bob');
  const list = await kit.service.list('shop', 'production', 'checkout');
  assert.deepEqual(list.map((r) => [r.id, r.state, r.steps]), [[second.id, 'progressing', [50, 100]], [first.id, 'aborted', [10, 50, 100]]]);
  assert.deepEqual((await kit.service.list('shop', 'production', 'checkout', 1)).map((r) => r.id), [second.id]);
});

void test('a server whose router cannot tell variants apart (the Gateway router) refuses a flag rollout with code unsupported and the reason, and writes nothing', async (t) => {
  const why = trafficSources({ figures: undefined, router: 'gateway' }).flagRolloutsRefused;
  assert.ok(why !== undefined);
  assert.equal(trafficSources({ figures: undefined, router: 'edge' }).flagRolloutsRefused, undefined, 'the edge router attributes variants');
  const kit = await flagRolloutKit(t, { unattributed: why });
  await assert.rejects(start(kit), (error: unknown) => {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'unsupported');
    assert.equal(statusOfCode[error.code], 501);
    assert.match(error.message, /^flag rollouts cannot run on this server: the Gateway router cannot tell requests apart by flag variant/);
    return true;
  });
  assert.deepEqual(await kit.store.listFlagRollouts({}), []);
  assert.equal(served(kit), 'off', 'the flag serves as before');
});

void test('a rollout found active by a server that cannot tell variants apart is turned back with the reason, not stepped blind', async (t) => {
  const kit = await flagRolloutKit(t);
  await start(kit);
  await kit.driver.pass();
  assert.deepEqual(served(kit), { fractional: [['on', 10], ['off', 90]] });
  const why = trafficSources({ figures: undefined, router: 'gateway' }).flagRolloutsRefused!;
  const log: string[] = [];
  const gatewayDriver = new FlagRolloutDriver({ store: kit.store, flags: kit.flags, figures: kit.figures, clock: kit.clock, log: (l) => log.push(l), unattributed: why });
  await gatewayDriver.pass();
  const r = await rolloutOf(kit);
  assert.equal(r.state, 'aborted', log.join('\n'));
  assert.match(r.reason ?? '', /flag rollouts cannot run on this server: the Gateway router cannot tell requests apart by flag variant/);
  assert.equal(served(kit), 'off', 'the flag serves what it did before the rollout');
});
