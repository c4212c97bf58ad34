// A full disk under the log store, for real: <data>/logs.db is a link into a small tmpfs (the
// log store on a disk of its own), which the test fills. While it is full: the server says so (its
// log, the metric sluice_log_store_failing, a warning from `sluice logs`), a new commit still
// deploys, and the instance keeps serving. Once space is freed, the lines written meanwhile (kept
// in the instance spool and the ingest's queue) reach the store and are found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, TestRepo, TestServer, viaRouter } from './harness.ts';
import { pipeline, prodHost } from './fixtures.ts';

const app = (version: string): string => `const http = require('node:http');
const s = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/healthz') return res.end('ok');
  if (u.pathname === '/say') console.log(u.searchParams.get('text'));
  if (u.pathname === '/burst') { const n = Number(u.searchParams.get('n')); const pad = 'x'.repeat(200); for (let i = 0; i < n; i++) console.log('burst ' + i + ' ' + pad); }
  res.end('${version}');
});
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;

const files = (version: string): Record<string, string> => ({ 'sluice.yaml': pipeline(), 'server.js': app(version), VERSION: `${version}\n` });

/** Mounts a tmpfs of `size` at a new directory; null (with the reason) when this machine refuses. */
function mountTmpfs(size: string): { dir: string; unmount(): void } | { refused: string } {
  const dir = tempDir('logdisk');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { refused: `mount -t tmpfs refused: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // still held by a process that is ending
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `dir/filler` until the file system is full. */
function fill(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler'), 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // The last partial block: byte by byte would take long; 512-byte writes get close enough.
    try {
      for (;;) fs.writeSync(fd, chunk.subarray(0, 512));
    } catch {
      // full
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function metric(server: TestServer, name: string): Promise<number | null> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token() ?? ''}` } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

void test('a full disk under the log store: a visible error and the metric, deploys and serving go on, logs resume once space is freed', { timeout: 300_000 }, async (t) => {
  const disk = mountTmpfs('24m');
  if ('refused' in disk) {
    console.log(`skipped: ${disk.refused}`);
    t.skip(disk.refused);
    return;
  }
  const dataDir = tempDir('data');
  fs.symlinkSync(path.join(disk.dir, 'logs.db'), path.join(dataDir, 'logs.db'));
  const repo = new TestRepo(files('v1'));
  // After-hooks run in the order they were added: the server (holding logs.db open) ends before the unmount.
  let server: TestServer | null = null;
  t.after(async () => {
    await server?.close();
    disk.unmount();
    repo.remove();
  });
  server = await TestServer.startAt(dataDir);
  assert.equal((await server.cli(['project', 'add', 'disky', '--repo', repo.dir])).code, 0);
  const first = await server.waitRun('disky', repo.head(), 120_000);
  assert.equal(first.state, 'succeeded', JSON.stringify(first));
  const host = prodHost('disky');
  const env = ['logs', 'disky', '--env', 'production'];
  const say = async (text: string): Promise<void> => {
    const r = await viaRouter(server.routerPort, host, `/say?text=${encodeURIComponent(text)}`);
    assert.equal(r.status, 200, r.body);
  };
  await say('before-full-0b1c');
  await server.waitFor('the line before the disk fills', async () => (await server.jsonLines([...env, '--grep', 'before-full-0b1c'])).length === 1, 20_000);
  assert.equal(await metric(server, 'sluice_log_store_failing'), 0);

  fill(disk.dir);
  // Output until the store cannot take it: a burst is more than the WAL's free pages can hold.
  await server.waitFor('sluice_log_store_failing 1', async () => {
    const r = await viaRouter(server.routerPort, host, '/burst?n=5000');
    assert.equal(r.status, 200, 'the instance serves while the log store is full');
    return (await metric(server, 'sluice_log_store_failing')) === 1;
  }, 60_000);
  await say('during-full-7e2a');
  // Visible: the server's log, and a warning on every search.
  assert.match(server.log, /the log store cannot take lines \(.*(full|SQLITE_FULL|ENOSPC)/i);
  const searched = await server.cli([...env, '--grep', 'before-full-0b1c']);
  assert.equal(searched.code, 0, searched.stderr);
  assert.match(searched.stdout, /before-full-0b1c/, 'what is stored is still searchable');
  assert.match(searched.stderr, /^warning: the log store cannot take lines since \S+ \(.*\): the newest lines are missing here/m);

  // The engine keeps deploying, and the new release serves.
  const v2 = repo.commit('v2', files('v2'));
  assert.equal((await server.cli(['trigger', 'disky'])).code, 0);
  const second = await server.waitRun('disky', v2, 120_000);
  assert.equal(second.state, 'succeeded', JSON.stringify(second));
  assert.equal((await viaRouter(server.routerPort, host, '/')).body, 'v2');
  assert.equal(await metric(server, 'sluice_log_store_failing'), 1, 'still full');

  // Space freed: the store takes lines again, the ones written meanwhile included.
  fs.rmSync(path.join(disk.dir, 'filler'));
  await server.waitFor('sluice_log_store_failing 0', async () => (await metric(server, 'sluice_log_store_failing')) === 0, 30_000);
  await server.waitFor('the line written while the disk was full', async () => (await server.jsonLines([...env, '--grep', 'during-full-7e2a'])).length === 1, 30_000);
  await say('after-full-3f9d');
  await server.waitFor('a new line', async () => (await server.jsonLines([...env, '--grep', 'after-full-3f9d'])).length === 1, 20_000);
  const clean = await server.cli([...env, '--grep', 'after-full-3f9d']);
  assert.doesNotMatch(clean.stderr, /warning/);
  assert.match(server.log, /the log store takes lines again/);
});
