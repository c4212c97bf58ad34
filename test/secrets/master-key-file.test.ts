import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterKey, SecretKeyError, writeKeyFile } from '../../src/secrets/keyring.ts';
import { newKey } from '../../src/secrets/envelope.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

void test('SLUICE_MASTER_KEY as base64 (standard, url-safe, unpadded) or hex wins over the file', (t) => {
  const dir = tempDir(t);
  const keyFile = join(dir, 'master.key');
  const key = newKey();
  writeKeyFile(keyFile, newKey());
  for (const envValue of [key.toString('base64'), key.toString('base64url'), key.toString('base64').replace(/=$/, ''), key.toString('hex'), key.toString('hex').toUpperCase(), `${key.toString('base64')}\n`]) {
    const loaded = loadMasterKey({ envValue, keyFile });
    assert.equal(loaded.source, 'env');
    assert.deepEqual(loaded.key, key, envValue);
  }
});

void test('a malformed SLUICE_MASTER_KEY is an error naming it, without echoing the value', (t) => {
  const keyFile = join(tempDir(t), 'master.key');
  const bad = ['', '   ', 'c2hvcnQ=', newKey().toString('hex').slice(0, 62), `${newKey().toString('base64')}AAAA`, 'z'.repeat(64)];
  for (const envValue of bad) {
    assert.throws(() => loadMasterKey({ envValue, keyFile }), (error: unknown) => {
      assert.ok(error instanceof SecretKeyError);
      assert.equal(error.problem, 'malformed');
      assert.match(error.message, /SLUICE_MASTER_KEY/);
      if (envValue.trim().length > 0) assert.ok(!error.message.includes(envValue.trim()));
      return true;
    });
  }
});

void test('the key file is created once with mode 0600 and onCreated, then read back', (t) => {
  const keyFile = join(tempDir(t), 'data', 'master.key');
  const created: string[] = [];
  const first = loadMasterKey({ envValue: undefined, keyFile, onCreated: (path) => created.push(path) });
  assert.equal(first.source, 'created');
  assert.deepEqual(created, [keyFile]);
  assert.equal(modeOf(keyFile), 0o600);
  assert.deepEqual(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'), first.key);
  const second = loadMasterKey({ envValue: undefined, keyFile, onCreated: (path) => created.push(path) });
  assert.equal(second.source, 'file');
  assert.deepEqual(second.key, first.key);
  assert.equal(created.length, 1);
  assert.deepEqual(readdirSync(join(keyFile, '..')), ['master.key']); // no temp files left
});

void test('an existing key file in hex, base64 or raw bytes is read', (t) => {
  const dir = tempDir(t);
  const key = newKey();
  const forms: Array<[string, string | Buffer]> = [['hex.key', `${key.toString('hex')}\n`], ['b64.key', key.toString('base64')], ['raw.key', key]];
  for (const [name, content] of forms) {
    const keyFile = join(dir, name);
    writeFileSync(keyFile, content, { mode: 0o600 });
    assert.deepEqual(loadMasterKey({ envValue: undefined, keyFile }), { key, source: 'file' });
  }
  const garbled = join(dir, 'garbled.key');
  writeFileSync(garbled, 'not a key\n', { mode: 0o600 });
  assert.throws(() => loadMasterKey({ envValue: undefined, keyFile: garbled }), /the key file .*garbled\.key is not a 32-byte key/);
});

void test('a key file readable by group or others is refused, like ssh', { skip: process.platform === 'win32' }, (t) => {
  const keyFile = join(tempDir(t), 'master.key');
  writeKeyFile(keyFile, newKey());
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    chmodSync(keyFile, mode);
    assert.throws(() => loadMasterKey({ envValue: undefined, keyFile }), (error: unknown) => {
      assert.ok(error instanceof SecretKeyError);
      assert.equal(error.problem, 'insecure_file');
      assert.match(error.message, new RegExp(`mode 0${mode.toString(8)}.*chmod 600`));
      return true;
    });
  }
  chmodSync(keyFile, 0o400);
  assert.equal(loadMasterKey({ envValue: undefined, keyFile }).source, 'file');
});

void test('writeKeyFile replaces the key atomically with mode 0600', (t) => {
  const keyFile = join(tempDir(t), 'master.key');
  const a = newKey();
  const b = newKey();
  writeKeyFile(keyFile, a);
  writeKeyFile(keyFile, b);
  assert.equal(modeOf(keyFile), 0o600);
  assert.deepEqual(loadMasterKey({ envValue: undefined, keyFile }).key, b);
  assert.deepEqual(readdirSync(join(keyFile, '..')), ['master.key']);
  assert.throws(() => writeKeyFile(keyFile, Buffer.alloc(8)), SecretKeyError);
});

void test('processes starting at the same time all end up with one key', async (t) => {
  const dir = tempDir(t);
  const keyFile = join(dir, 'keys', 'master.key');
  const goFile = join(dir, 'go');
  const childScript = join(import.meta.dirname, 'load-key-child.ts');
  const children = Array.from({ length: 8 }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, keyFile, goFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.startsWith('ready\n')) resolve();
      });
    });
    const done = new Promise<string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited with ${code}: ${out}`))));
    });
    return { ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  writeFileSync(goFile, '');
  const outputs = await Promise.all(children.map((c) => c.done));
  const loaded = outputs.map((out) => JSON.parse(out.split('\n')[1]!) as { key: string; source: string });
  const onDisk = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').toString('base64');
  assert.deepEqual(new Set(loaded.map((l) => l.key)), new Set([onDisk]));
  assert.equal(loaded.filter((l) => l.source === 'created').length, 1);
  assert.equal(modeOf(keyFile), 0o600);
  assert.deepEqual(readdirSync(join(keyFile, '..')), ['master.key']);
});
