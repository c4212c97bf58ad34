// Builds a data-directory fixture with the code of the current checkout, for the upgrade test
// (test/store/open-old-data.test.ts). It drives only the real `sluice` command line, so the
// files are exactly what that version writes:
//   node --import tsx scripts/make-data-fixture.ts test/fixtures/data-COMMIT
// A server on free ports, a git repository with a tiny service, two secrets, two runs that
// deploy to staging and production, then `sluice down` and SIGTERM. The WAL is checkpointed
// into sluice.db, and sluice.db, master.key and expected.json (what the test compares) are
// copied to the target.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'sluice.js');
const target = path.resolve(process.argv[2] ?? 'test/fixtures/data-new');
/** A fixed test key (never used anywhere else): the test opens the secrets with it. */
const fixtureMasterKey = 'c2x1aWNlLWZpeHR1cmUtbWFzdGVyLWtleS0wMDAwMDA=';
const secrets = { GREETING: 'hello from the fixture', API_TOKEN: 'tok-229d3af-fixture' };

const appJs = `const http = require('node:http');
const v = require('node:fs').readFileSync(__dirname + '/VERSION', 'utf8').trim();
const s = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : v + ' ' + (process.env.GREETING || '')));
s.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;
const sluiceYaml = `build:
  - run: echo "building $(cat VERSION)"
test:
  - name: unit
    run: test -s VERSION
services:
  web:
    start: node server.js
    health: /healthz
environments:
  staging:
    secrets: [app]
    verify:
      - run: curl -fsS "$SLUICE_URL/healthz"
  production:
    secrets: [app]
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sluice(server: string, args: string[], input?: string): string {
  return execFileSync(process.execPath, [bin, '--server', server, ...args], { encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } });
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = fn();
    if (v !== undefined) return v;
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

interface RunJson {
  id: string;
  number: number;
  commit: string;
  state: string;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fixture-'));
  const data = path.join(work, 'data');
  const repo = path.join(work, 'repo');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'master.key'), `${fixtureMasterKey}\n`, { mode: 0o600 });
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  const commit = (version: string): string => {
    for (const [name, content] of Object.entries({ 'sluice.yaml': sluiceYaml, 'server.js': appJs, VERSION: `${version}\n` })) fs.writeFileSync(path.join(repo, name), content);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `version ${version}`);
    return git(repo, 'rev-parse', 'HEAD');
  };
  const port = await freePort();
  const routerPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env };
  delete env.SLUICE_MASTER_KEY;
  const server = spawn(process.execPath, [bin, 'server', '--data', data, '--port', String(port), '--router-port', String(routerPort), '--poll-interval', '1s'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  try {
    await until('the server', () => {
      try {
        sluice(url, ['runs', 'none']);
      } catch (e) {
        return String((e as { stderr?: string }).stderr ?? '').includes('ECONNREFUSED') ? undefined : true;
      }
      return true;
    });
    for (const [key, value] of Object.entries(secrets)) sluice(url, ['secret', 'set', 'app', key], value);
    const shas = [commit('v1')];
    sluice(url, ['project', 'add', 'hello', '--repo', repo]);
    const runState = (sha: string): string | undefined => {
      const runs = JSON.parse(sluice(url, ['runs', 'hello', '--json'])) as RunJson[];
      const state = runs.find((r) => r.commit === sha)?.state;
      return state && ['succeeded', 'failed', 'cancelled', 'superseded'].includes(state) ? state : undefined;
    };
    if ((await until('run 1', () => runState(shas[0]!))) !== 'succeeded') throw new Error('run 1 did not succeed');
    shas.push(commit('v2'));
    if ((await until('run 2', () => runState(shas[1]!))) !== 'succeeded') throw new Error('run 2 did not succeed');
    const runs = JSON.parse(sluice(url, ['runs', 'hello', '--json'])) as RunJson[];
    const releases = Object.fromEntries(['staging', 'production'].map((e) => [e, JSON.parse(sluice(url, ['releases', 'hello', '--env', e, '--json'])) as unknown]));
    const expected = { commit: git(root, 'rev-parse', '--short', 'HEAD'), project: 'hello', runs: runs.map((r) => ({ id: r.id, number: r.number, commit: r.commit, state: r.state })), releases, secrets: { app: secrets } };
    execFileSync(process.execPath, [bin, 'down', '--data', data], { stdio: 'inherit' });
    server.kill('SIGTERM');
    await exited;
    // Fold the WAL into the main file so sluice.db alone is the whole store.
    const db = new Sqlite(path.join(data, 'sluice.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.exec('vacuum');
    db.close();
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(path.join(data, 'sluice.db'), path.join(target, 'sluice.db'));
    fs.copyFileSync(path.join(data, 'master.key'), path.join(target, 'master.key'));
    fs.writeFileSync(path.join(target, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
    console.log(`wrote ${target}: ${fs.readdirSync(target).join(', ')}`);
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
