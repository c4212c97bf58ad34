// `sluice doctor`: passes on a host with a running server (its ports are Sluice's own), and
// names each failure with its fix, exiting 1: a key file others can read, a port another
// program holds, git missing from PATH or too old, a store that is not one, an unreachable
// PostgreSQL, too little free disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { checkFreeDisk } from '../../src/doctor/data-dir-checks.ts';
import { bin, freePort, root, tempDir, TestServer } from './harness.ts';

interface Report {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string; fix?: string }>;
}

function doctor(args: string[], env: Record<string, string> = {}): Promise<{ code: number; report: Report; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, 'doctor', '--json', ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code !== 'number') return reject(new Error(`doctor did not exit: ${error?.message ?? ""} ${stderr}`));
      try {
        resolve({ code, report: JSON.parse(stdout) as Report, stderr });
      } catch {
        reject(new Error(`doctor printed no JSON (exit ${code}): ${stdout} ${stderr}`));
      }
    });
  });
}

function failed(report: Report, name: string): { detail: string; fix?: string } {
  const c = report.checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name}: ${JSON.stringify(report)}`);
  assert.equal(c.ok, false, `${name} should fail: ${JSON.stringify(c)}`);
  assert.ok(c.fix, `${name} names its fix`);
  return c;
}

async function portArgs(): Promise<string[]> {
  return ['--port', String(await freePort()), '--router-port', String(await freePort())];
}

void test('doctor passes beside a running server: its API and router ports are Sluice\'s own', async (t) => {
  const server = await TestServer.start();
  t.after(() => server.close());
  const { code, report } = await doctor(['--data', server.dataDir, '--port', String(server.port), '--router-port', String(server.routerPort)]);
  assert.equal(code, 0, JSON.stringify(report, null, 2));
  assert.equal(report.ok, true);
  const detail = (name: string): string => report.checks.find((c) => c.name === name)?.detail ?? '';
  assert.match(detail('API port'), /is held by a Sluice server/);
  assert.match(detail('router port'), /is held by this data directory's data plane \(pid \d+\)/);
  assert.match(detail('master.key'), /has mode 0600/);
  assert.match(detail('store'), /sluice\.db: 0 projects, 0 runs, schema \d+_/);
  assert.match(detail('git'), /^git \d+\.\d+/);
  assert.match(detail('tar'), /^tar \d+\.\d+/);
});

void test('doctor fails a master key that group or others can read, with the chmod that fixes it', async (t) => {
  const dir = tempDir('doctor-key');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const key = path.join(dir, 'master.key');
  fs.writeFileSync(key, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
  fs.chmodSync(key, 0o644);
  const { code, report } = await doctor(['--data', dir, ...(await portArgs())]);
  assert.equal(code, 1);
  const c = failed(report, 'master.key');
  assert.match(c.detail, /has mode 0644: group or others can read it/);
  assert.equal(c.fix, `chmod 600 ${key}`);
  assert.equal(report.checks.filter((x) => !x.ok).length, 1, 'only the key fails');
});

void test('doctor fails a port that another program holds', async (t) => {
  const dir = tempDir('doctor-port');
  const other = net.createServer((s) => s.end('not sluice\n'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  t.after(() => {
    other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const taken = (other.address() as net.AddressInfo).port;
  const { code, report } = await doctor(['--data', dir, '--port', String(taken), '--router-port', String(await freePort())]);
  assert.equal(code, 1);
  const c = failed(report, 'API port');
  assert.match(c.detail, new RegExp(`127\\.0\\.0\\.1:${taken} is in use by another program`));
  assert.match(c.fix ?? '', new RegExp(`ss -ltnp 'sport = :${taken}'.*--port`));
  const router = await doctor(['--data', dir, '--port', String(await freePort()), '--router-port', String(taken)]);
  assert.equal(router.code, 1);
  assert.match(failed(router.report, 'router port').fix ?? '', /--router-port/);
});

void test('doctor fails when git is missing from PATH, or too old', async (t) => {
  const dir = tempDir('doctor-git');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const emptyBin = path.join(dir, 'empty-bin');
  fs.mkdirSync(emptyBin);
  const missing = await doctor(['--data', path.join(dir, 'data'), ...(await portArgs())], { PATH: emptyBin });
  assert.equal(missing.code, 1);
  const c = failed(missing.report, 'git');
  assert.match(c.detail, new RegExp(`git is not found in PATH ${emptyBin}`));
  assert.match(c.fix ?? '', /install git 2\.20 or newer/);

  const oldBin = path.join(dir, 'old-bin');
  fs.mkdirSync(oldBin);
  fs.writeFileSync(path.join(oldBin, 'git'), '#!/bin/sh\necho "git version 2.1.4"\n', { mode: 0o755 });
  const old = await doctor(['--data', path.join(dir, 'data'), ...(await portArgs())], { PATH: oldBin });
  assert.equal(old.code, 1);
  assert.match(failed(old.report, 'git').detail, /git 2\.1\.4 is older than 2\.20/);
});

void test('doctor fails a store that is not a Sluice store, and an unreachable PostgreSQL', async (t) => {
  const dir = tempDir('doctor-store');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'sluice.db'), 'not a database at all\n');
  const bad = await doctor(['--data', dir, ...(await portArgs())]);
  assert.equal(bad.code, 1);
  const c = failed(bad.report, 'store');
  assert.match(c.detail, /is not a Sluice store: it is not an SQLite database/);
  assert.match(c.fix ?? '', /sluice restore BACKUP --data DIR --force/);

  const pg = await doctor(['--data', dir, ...(await portArgs()), '--database', `postgres://nobody:pw-9z@127.0.0.1:${await freePort()}/none`]);
  assert.equal(pg.code, 1);
  const p = failed(pg.report, 'store');
  assert.match(p.detail, /PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:\d+\/none: .*ECONNREFUSED/);
  assert.doesNotMatch(JSON.stringify(pg.report), /pw-9z/, 'the password is never printed');
});

void test('free disk below the minimum fails with the fix', () => {
  const c = checkFreeDisk(root, Number.MAX_SAFE_INTEGER);
  assert.equal(c.ok, false);
  assert.match(c.detail, /GiB free on the disk of .* \(less than/);
  assert.match(c.fix ?? '', /--keep-artifacts.*--data/);
  assert.equal(checkFreeDisk(root, 1).ok, true);
});
