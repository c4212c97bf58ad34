// Lease holder names and the "is its holder dead?" rule that lets a restarted server take a
// crashed server's runs at once instead of waiting for the lease to lapse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isHolderDead, newOwner, pidAlive } from '../../src/engine/lease-owner.ts';

const host = 'box';
const me = newOwner(host, process.pid);

void test('newOwner names host, pid and a random part, unique per call', () => {
  assert.match(me, new RegExp(`^box:${process.pid}:[0-9a-f]{8}$`));
  assert.notEqual(newOwner(host, process.pid), newOwner(host, process.pid));
});

void test('isHolderDead: a holder on this host whose pid is gone is dead', () => {
  assert.equal(isHolderDead('box:4242:abcd', me, host, () => false), true);
  assert.equal(isHolderDead('box:4242:abcd', me, host, () => true), false);
});

void test('isHolderDead: never itself; holders elsewhere only lapse by time', () => {
  assert.equal(isHolderDead(me, me, host, () => false), false);
  assert.equal(isHolderDead('other:4242:abcd', me, host, () => false), false);
});

void test('isHolderDead: an earlier incarnation with our own pid is dead', () => {
  assert.equal(isHolderDead(`box:${process.pid}:00000000`, me, host, () => true), true);
});

void test('isHolderDead: malformed holders are not judged dead', () => {
  for (const owner of ['box', 'box:', 'box:abc:1', 'box:0:1', 'box:-5:1', 'box:1.5:1', '']) {
    assert.equal(isHolderDead(owner, me, host, () => false), false, owner);
  }
});

void test('pidAlive: true for this process, false for an exited child', () => {
  assert.equal(pidAlive(process.pid), true);
  const child = spawnSync('/bin/sh', ['-c', 'echo $$']);
  const pid = Number(child.stdout.toString().trim());
  assert.ok(pid > 0);
  assert.equal(pidAlive(pid), false);
});
