// Helpers of the secrets end-to-end tests: an app like the acceptance app (it answers the sha256
// of DB_PASSWORD and can print its whole environment), random secrets with special characters,
// the spellings of a value a leak could take, and a byte scan of every file under a directory.
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { bin, freePort, root, sleep, viaRouter, type TestServer } from './harness.ts';
import { prodHost } from './fixtures.ts';

/**
 * The acceptance app's behaviour: `/healthz` ok, `/` APP_VERSION (or VERSION), `/secret-sha`
 * sha256 of DB_PASSWORD (or "missing"), `/plain` the PLAIN variable; when the file PRINT_ENV
 * holds a marker it prints every KEY=VALUE of its environment at start.
 */
export const secretAppJs = `'use strict';
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');
const read = (n) => { try { return fs.readFileSync(__dirname + '/' + n, 'utf8').trim(); } catch { return ''; } };
const version = process.env.APP_VERSION || read('VERSION') || 'unknown';
const marker = read('PRINT_ENV');
if (marker) {
  console.log('app environment ' + marker);
  for (const [k, v] of Object.entries(process.env)) console.log(k + '=' + v);
}
const send = (res, body) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body); };
const s = http.createServer((req, res) => {
  const route = (req.url || '/').split('?')[0];
  if (route === '/healthz') return send(res, 'ok\\n');
  if (route === '/secret-sha') {
    const v = process.env.DB_PASSWORD;
    return send(res, v === undefined ? 'missing\\n' : crypto.createHash('sha256').update(v).digest('hex') + '\\n');
  }
  if (route === '/plain') return send(res, (process.env.PLAIN ?? 'unset') + '\\n');
  return send(res, version + '\\n');
});
s.listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); setTimeout(() => process.exit(0), 3000).unref(); });
`;

export const sha256 = (v: string): string => createHash('sha256').update(v).digest('hex');

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const specials = '!#$%&()*+,-./:;<=>?@[]^_{|}~"\'\\` ';

/** A random value of 8-40 characters; most carry special characters (never at the ends, never a newline). */
export function randomSecret(withSpecials = true): string {
  const length = randomInt(8, 41);
  const alphabet = withSpecials ? letters + specials : letters;
  let v = '';
  for (let i = 0; i < length; i++) {
    const edge = i === 0 || i === length - 1;
    const from = edge ? letters : alphabet;
    v += from[randomInt(from.length)];
  }
  // With specials: at least one, so percent-encoding and JSON escaping really change the spelling.
  if (withSpecials && ![...v].some((c) => specials.includes(c))) v = v[0] + specials[randomInt(specials.length - 1)]! + v.slice(2);
  return v;
}

/** The spellings under which a value must never be found: exact, base64, URL-encoded, JSON-escaped. */
export function leakForms(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64');
  return [...new Set([value, b64, b64.replace(/=+$/, ''), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])];
}

export interface Needle {
  label: string;
  bytes: Buffer;
}

export function needlesOf(secrets: Record<string, string>): Needle[] {
  return Object.entries(secrets).flatMap(([key, v]) => leakForms(v).map((f, i) => ({ label: `${key} (form ${i})`, bytes: Buffer.from(f) })));
}

/** Labels of the needles found in `text`. */
export function leaksIn(text: string | Buffer, needles: readonly Needle[]): string[] {
  const hay = typeof text === 'string' ? Buffer.from(text) : text;
  return needles.filter((n) => hay.includes(n.bytes)).map((n) => n.label);
}

/** Every regular file under `dir` (files that vanish while walking are skipped). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** `file: needle` for every needle found in the bytes of a file under `dir` (gzip files also unpacked). */
export function scanDir(dir: string, needles: readonly Needle[]): { files: number; leaks: string[] } {
  const leaks: string[] = [];
  const files = filesUnder(dir);
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      continue;
    }
    const hays = [bytes];
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        hays.push(gunzipSync(bytes));
      } catch {
        // not a complete gzip stream: its raw bytes were scanned
      }
    }
    for (const hay of hays) for (const l of leaksIn(hay, needles)) leaks.push(`${path.relative(dir, file)}: ${l}`);
  }
  return { files: files.length, leaks };
}

/** `sluice secret set GROUP KEY` with the value on standard input; must succeed. Returns its version. */
export async function setSecret(server: TestServer, group: string, key: string, value: string): Promise<number> {
  const r = await server.cli(['secret', 'set', group, key, '--json'], { input: value });
  assert.equal(r.code, 0, `secret set ${group}/${key}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { version: number }).version;
}

/** `sluice secret grant GROUP --project P` for each group (a project's sluice.yaml names only granted groups); must succeed. */
export async function grantSecrets(server: TestServer, project: string, groups: readonly string[]): Promise<void> {
  for (const group of groups) {
    const r = await server.cli(['secret', 'grant', group, '--project', project]);
    assert.equal(r.code, 0, `secret grant ${group} --project ${project}: ${r.stderr}`);
  }
}

/** Runs `fn` over `items`, at most `n` at a time. */
export async function inBatches<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

export async function prodSecretSha(server: TestServer, project: string): Promise<string> {
  const r = await viaRouter(server.routerPort, prodHost(project), '/secret-sha');
  assert.equal(r.status, 200, r.body);
  return r.body.trim();
}

export interface ExitedServer {
  code: number | null;
  output: string;
}

/**
 * `sluice server` on `dataDir` that is expected to refuse to start: resolves with its exit code
 * and output; if it is still up after `timeoutMs` it is killed (by pid) and the test fails.
 */
export async function serverExpectingExit(dataDir: string, env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<ExitedServer> {
  const port = await freePort();
  const routerPort = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [bin, 'server', '--data', dataDir, '--port', String(port), '--router-port', String(routerPort), '--poll-interval', '1s', '--sandbox', 'bwrap'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    assert.fail(`the server was expected to refuse to start, but it was still running after ${timeoutMs} ms: ${output}`);
  }
  return { code, output };
}
