// Feature flags end to end, through the real bin: `sluice validate` checks the flag file the
// pipeline names; a deploy makes its definitions live; `sluice flag set/get/list/history/revert`
// change and show them (bad input refused and nothing changed); a later deploy keeps the
// overrides, shows the redefinition and archives a removed flag with a warning in the deploy
// log; an invalid flag file fails the checkout with FILE:LINE:COL; viewer and env-limited tokens
// get what their role allows; every change is in the audit trail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './harness.ts';
import { appFiles, deployedProject } from './fixtures.ts';

const flagsV1 = `flags:
  new-checkout:
    state: ENABLED
    client: true
    variants: { on: true, off: false }
    defaultVariant: off
  banner:
    state: ENABLED
    variants: { red: "#f00", blue: "#00f" }
    defaultVariant: red
    targeting: { if: [{ ends_with: [{ var: email }, "@example.com"] }, blue, red] }
`;

const flagsV2 = `flags:
  new-checkout:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: off
    targeting: { fractional: [[on, 10], [off, 90]] }
`;

function filesWith(version: string, flags: string): Record<string, string> {
  const files = appFiles(version);
  return { ...files, 'sluice.yaml': `${files['sluice.yaml']}flags: flags.yaml\n`, 'flags.yaml': flags };
}

interface FlagJson {
  key: string;
  archived: boolean;
  client: boolean;
  override: Record<string, unknown> | null;
  served: { state: string; defaultVariant: string | null; targeting?: unknown } | null;
  version?: number;
}

void test('sluice validate checks the flag file sluice.yaml names, FILE:LINE:COL per error', async () => {
  const dir = tempDir('validate-flags');
  try {
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), filesWith('1', '')['sluice.yaml']!);
    fs.writeFileSync(path.join(dir, 'flags.yaml'), 'flags:\n  f:\n    state: ENABLED\n    variants: { on: true, off: 0 }\n    defaultVariant: maybe\n');
    const bad = await runCli(['validate', path.join(dir, 'sluice.yaml')]);
    assert.equal(bad.code, 1);
    const file = path.join(dir, 'flags.yaml');
    assert.deepEqual(bad.stderr.trim().split('\n'), [
      `${file}:4:32: flags.f.variants.off: variant "off" is a number, but "on" is a boolean: the variants of a flag share one type`,
      `${file}:5:21: flags.f.defaultVariant: "maybe" is not among the variants (on, off)`,
    ]);
    fs.writeFileSync(path.join(dir, 'flags.yaml'), flagsV1);
    const good = await runCli(['validate', path.join(dir, 'sluice.yaml')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /flags\.yaml: valid/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('flags: deploy, set, get, list, history, revert, bad input, redeploy, archive, invalid file, permissions, audit', async (t) => {
  const { server, repo } = await deployedProject(t, 'shop', filesWith('1', flagsV1));
  const list = await server.json<{ version: number; release: number; flags: FlagJson[] }>(['flag', 'list', 'shop', '--env', 'production']);
  assert.deepEqual(list.flags.map((f) => `${f.key}:${f.client}`), ['banner:false', 'new-checkout:true']);
  assert.equal(list.version, 1);

  // set --on: served at once, a new version.
  const on = await server.json<FlagJson & { version: number }>(['flag', 'set', 'shop', 'new-checkout', '--env', 'production', '--on']);
  assert.equal(on.served?.defaultVariant, 'on');
  assert.equal(on.version, 2);
  // Bad input: refused with the reason, nothing changed.
  for (const [args, message] of [
    [['--percent', '150'], /--percent 150: expected a number from 0 to 100/],
    [['--variant', 'green'], /no variant "green"/],
    [['--on', '--off'], /give exactly one of/],
  ] as const) {
    const r = await server.cli(['flag', 'set', 'shop', 'banner', '--env', 'production', ...args]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, message);
  }
  assert.equal((await server.json<{ version: number }>(['flag', 'list', 'shop', '--env', 'production'])).version, 2);
  const pct = await server.json<FlagJson>(['flag', 'set', 'shop', 'new-checkout', '--env', 'production', '--percent', '25']);
  assert.deepEqual(pct.served?.targeting, { fractional: [['on', 25], ['off', 75]] });
  const disabled = await server.json<FlagJson>(['flag', 'set', 'shop', 'banner', '--env', 'production', '--disable']);
  assert.equal(disabled.served?.state, 'DISABLED');
  const human = await server.cli(['flag', 'get', 'shop', 'new-checkout', '--env', 'production']);
  assert.match(human.stdout, /new-checkout \(boolean, client\): on 25%, off 75%/);

  // A new release: the override of new-checkout outlives it, the diff is in the deploy log, banner is archived.
  const second = repo.commit('v2', filesWith('2', flagsV2));
  assert.equal((await server.waitRun('shop', second, 120_000)).state, 'succeeded');
  const after = await server.json<{ version: number; flags: FlagJson[] }>(['flag', 'list', 'shop', '--env', 'production']);
  const checkout = after.flags.find((f) => f.key === 'new-checkout')!;
  assert.deepEqual(checkout.served?.targeting, { fractional: [['on', 25], ['off', 75]] });
  assert.equal(checkout.client, false);
  assert.equal(after.flags.find((f) => f.key === 'banner')?.archived, true);
  const log = (await server.cli(['logs', 'shop', '--env', 'production'])).stdout;
  assert.match(log, /flag new-checkout redefined under its override/);
  assert.match(log, /warning: flag banner is no longer in flags\.yaml: archived, not deleted/);
  const archived = await server.cli(['flag', 'set', 'shop', 'banner', '--env', 'production', '--enable']);
  assert.equal(archived.code, 1);
  assert.match(archived.stderr, /flag banner is archived in shop\/production/);

  // History and revert.
  const history = await server.json<Array<{ version: number; actor: string; summary: string }>>(['flag', 'history', 'shop', 'new-checkout', '--env', 'production']);
  assert.deepEqual(history.slice(-3).map((c) => `${c.version} ${c.actor} ${c.summary}`), ['3 admin --percent 25', '2 admin --on', '1 release 1 defined by flags.yaml']);
  const reverted = await server.json<FlagJson>(['flag', 'revert', 'shop', 'new-checkout', '--env', 'production', '--to', '2']);
  assert.equal(reverted.served?.defaultVariant, 'on');
  assert.equal(reverted.served?.targeting, undefined);

  // An invalid flag file fails the checkout with its position; what is live stays.
  const broken = repo.commit('broken flags', { 'flags.yaml': 'flags:\n  x:\n    state: ENABLED\n    variants: { a: 1 }\n    targeting: { fractionl: [[a, 1]] }\n' });
  const failed = await server.waitRun('shop', broken, 120_000);
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason ?? '', /flags\.yaml:5:18: flags\.x\.targeting\.fractionl: unknown operator "fractionl" \(did you mean "fractional"\?\)/);
  assert.equal((await server.json<FlagJson>(['flag', 'get', 'shop', 'new-checkout', '--env', 'production'])).served?.defaultVariant, 'on');

  // A rollback puts release 1 back: its flag file's definitions come back with its code.
  const rolledBack = await server.cli(['rollback', 'shop', '--env', 'production', '--to', '1']);
  assert.equal(rolledBack.code, 0, rolledBack.stderr);
  const back = await server.json<{ flags: FlagJson[] }>(['flag', 'list', 'shop', '--env', 'production']);
  assert.deepEqual(back.flags.map((f) => `${f.key}:${f.archived}:${f.client}`), ['banner:false:false', 'new-checkout:false:true']);
  assert.equal(back.flags.find((f) => f.key === 'new-checkout')?.served?.defaultVariant, 'on', 'the override outlives the rollback too');

  // Permissions: a viewer reads, may not change; a deployer limited to staging changes staging only.
  const viewer = (await server.json<{ token: string }>(['token', 'create', 'ro', '--role', 'viewer'])).token;
  assert.equal((await server.cli(['flag', 'list', 'shop', '--env', 'production'], { token: viewer })).code, 0);
  const refused = await server.cli(['flag', 'set', 'shop', 'new-checkout', '--env', 'production', '--off'], { token: viewer });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /needs the deployer role/);
  const stagingOnly = (await server.json<{ token: string }>(['token', 'create', 'stg', '--role', 'deployer', '--env', 'staging'])).token;
  assert.equal((await server.cli(['flag', 'set', 'shop', 'new-checkout', '--env', 'staging', '--off'], { token: stagingOnly })).code, 0);
  const outside = await server.cli(['flag', 'set', 'shop', 'new-checkout', '--env', 'production', '--off'], { token: stagingOnly });
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /not found/);

  // Every change is in the audit trail, with who and which version.
  const audit = await server.json<Array<{ action: string; actor: string; target: string; outcome: string }>>(['audit', '--project', 'shop']);
  const flagEntries = audit.filter((e) => e.action.startsWith('flag.'));
  assert.ok(flagEntries.some((e) => e.action === 'flag.set' && e.actor === 'stg' && e.target.startsWith('shop/staging flag new-checkout version')), JSON.stringify(flagEntries));
  assert.ok(flagEntries.some((e) => e.action === 'flag.revert' && e.outcome === 'ok'));
  assert.ok(flagEntries.some((e) => e.action === 'flag.set' && e.outcome === 'failed'), 'a refused --percent 150 is recorded as failed');
});
