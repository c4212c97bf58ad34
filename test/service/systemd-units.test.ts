// The systemd units in docs/systemd: systemd-analyze accepts them, they keep the settings the
// README promises, and every flag their ExecStart passes is one the command (or Node) knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, root } from '../e2e/harness.ts';

const dir = path.join(root, 'docs', 'systemd');
const units = ['sluice-dataplane.service', 'sluice-server.service'];
const analyze = '/usr/bin/systemd-analyze';

function settings(unit: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(dir, unit), 'utf8').split('\n')) {
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv) m.set(kv[1]!, kv[2]!);
  }
  return m;
}

void test('systemd-analyze verify accepts both units', { skip: fs.existsSync(analyze) ? false : `${analyze} is not installed` }, async () => {
  const out = await new Promise<{ code: number; text: string }>((resolve) => {
    execFile(analyze, ['verify', ...units.map((u) => path.join(dir, u))], (error, stdout, stderr) => resolve({ code: error ? 1 : 0, text: stdout + stderr }));
  });
  assert.equal(out.code, 0, out.text);
  assert.equal(out.text.trim(), '', 'no warning either');
});

void test('the data plane unit restarts at once, binds low ports without root, and leaves its instances to its successor', () => {
  const s = settings('sluice-dataplane.service');
  assert.equal(s.get('Restart'), 'always');
  assert.equal(s.get('RestartSec'), '200ms');
  assert.equal(s.get('KillMode'), 'process');
  assert.equal(s.get('AmbientCapabilities'), 'CAP_NET_BIND_SERVICE');
  for (const u of units) {
    const x = settings(u);
    assert.equal(x.get('User'), 'sluice', u);
    assert.equal(x.get('NoNewPrivileges'), 'yes', u);
    assert.equal(x.get('ProtectSystem'), 'strict', u);
    assert.equal(x.get('ReadWritePaths'), '/var/lib/sluice', u);
    assert.ok(!x.has('RestrictNamespaces') && !x.has('PrivateUsers'), `${u}: user namespaces stay available for bubblewrap`);
  }
  assert.match(settings('sluice-server.service').get('Wants') ?? '', /sluice-dataplane\.service/);
});

void test('every flag of the units\' ExecStart is one the command knows', () => {
  for (const unit of units) {
    const exec = settings(unit).get('ExecStart') ?? '';
    const [, nodeFlags = '', command, args = ''] = /^\S*node((?: --\S+)*) \S*sluice\.js (\w+)(.*)$/.exec(exec) ?? [];
    assert.ok(command, exec);
    const help = execFileSync(process.execPath, [bin, command, '--help'], { cwd: root, encoding: 'utf8' });
    for (const flag of args.match(/--[a-z-]+/g) ?? []) assert.ok(help.includes(flag), `${unit}: sluice ${command} has no ${flag}`);
    // Node's own flags (before the script): this Node must accept them.
    const flags = nodeFlags.trim().split(' ').filter(Boolean);
    execFileSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
  }
});
