// bench/commit-to-live: seconds from `git commit` to the new response on the production URL,
// for the example service (`sluice init --example hello`). Two modes, one server each:
//   poll     the server notices the commit by polling (--poll-interval 1s)
//   trigger  a manual trigger through the API right after the commit (polling off: 1h)
// Each commit changes greeting.js to a unique text; the production URL is read every 50 ms
// until it answers with it. Options: --commits N (10), --modes poll,trigger, --limit SECONDS (175:
// the whole run is ended after it; a loaded machine needs more).
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { TestServer, runCli, tempDir, type RunJson } from '../test/e2e/harness.ts';
import { benchMain, exampleWithoutBake, execFileAsync, isoMs, machine, secs, sleep, summary, waitRunOf } from './bench-kit.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const COMMITS = Number(arg('--commits', '10'));
const MODES = arg('--modes', 'poll,trigger').split(',') as Array<'poll' | 'trigger'>;
const LIMIT_MS = Number(arg('--limit', '175')) * 1000;
const host = 'production.hello.localhost';

interface RunDetail extends RunJson {
  createdAt: string;
  finishedAt: string | null;
  stages: Array<RunJson['stages'][number] & { environment?: string }>;
}

async function production(routerPort: number): Promise<string | null> {
  try {
    const res = await request(`http://127.0.0.1:${routerPort}/`, { headers: { host }, headersTimeout: 2000, bodyTimeout: 2000 });
    const text = await res.body.text();
    return res.statusCode === 200 ? text : null;
  } catch {
    return null;
  }
}

async function waitBody(routerPort: number, want: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await production(routerPort)) === want) return Date.now();
    await sleep(50);
  }
  throw new Error(`production did not answer ${JSON.stringify(want)} within ${timeoutMs} ms`);
}

const greetingJs = (text: string): string => `'use strict';\nexports.greeting = () => ${JSON.stringify(text)};\n`;
const git = (dir: string, ...args: string[]): Promise<unknown> =>
  execFileAsync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@sluice.invalid', ...args], { cwd: dir });

interface Sample {
  live: number;
  detect: number;
  runToLive: number;
  stages: Record<string, number>;
}

async function measureMode(mode: 'poll' | 'trigger', onCleanup: (fn: () => Promise<void> | void) => void): Promise<Sample[]> {
  const parent = tempDir(`c2l-${mode}`);
  onCleanup(() => fs.rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'hello');
  const init = await runCli(['init', '--example', 'hello', dir]);
  if (init.code !== 0) throw new Error(`sluice init: ${init.stderr}`);
  exampleWithoutBake(dir);
  await git(dir, 'commit', '-q', '-am', 'bench: no bake');
  const server = await TestServer.start(mode === 'poll' ? ['--poll-interval', '1s'] : ['--poll-interval', '1h']);
  onCleanup(() => server.close());
  const added = await server.api('POST', '/api/projects', { name: 'hello', repo: dir });
  if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
  const first = await waitRunOf<RunDetail>(server, 'hello', (await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim(), 90_000);
  if (first.state !== 'succeeded') throw new Error(`first run ${first.state}: ${first.reason ?? ''}`);
  await waitBody(server.routerPort, 'Hello from Sluice!\n', 10_000);

  const samples: Sample[] = [];
  for (let i = 1; i <= COMMITS; i++) {
    const text = `Hello #${i} (${mode}) ${Math.random().toString(36).slice(2, 8)}`;
    fs.writeFileSync(path.join(dir, 'greeting.js'), greetingJs(text));
    await git(dir, 'add', '-A');
    const t0 = Date.now();
    await git(dir, 'commit', '-q', '-m', text);
    if (mode === 'trigger') {
      const r = await server.api('POST', '/api/projects/hello/trigger', {});
      if (r.status !== 201) throw new Error(`trigger: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const t1 = await waitBody(server.routerPort, `${text}\n`, 60_000);
    const sha = (await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    // The run goes on after the first new answer (the rest of the rolling update): wait for
    // its end so the next commit starts from a quiet system.
    const done = await waitRunOf<RunDetail>(server, 'hello', sha, 60_000);
    if (done.state !== 'succeeded') throw new Error(`run of commit ${i} ${done.state}: ${done.reason ?? ''}`);
    const stages = Object.fromEntries(done.stages.map((s) => [s.name, isoMs(s.finishedAt) - isoMs(s.startedAt)]));
    samples.push({ live: t1 - t0, detect: isoMs(done.createdAt) - t0, runToLive: t1 - isoMs(done.createdAt), stages });
    console.log(`  ${mode.padEnd(7)} commit ${String(i).padStart(2)}: live after ${secs(t1 - t0)} (run created after ${secs(isoMs(done.createdAt) - t0)})`);
  }
  return samples;
}

await benchMain('commit-to-live', LIMIT_MS, async (onCleanup) => {
  console.log(`commit-to-live · ${machine()}`);
  const results = new Map<string, Sample[]>();
  for (const mode of MODES) results.set(mode, await measureMode(mode, onCleanup));

  console.log(`\ncommit → first new answer on http://${host}/ (${COMMITS} commits per mode; example service, 2 instances)`);
  for (const [mode, samples] of results) {
    const s = summary(samples.map((x) => x.live));
    const d = summary(samples.map((x) => x.detect));
    const r = summary(samples.map((x) => x.runToLive));
    console.log(`  ${mode.padEnd(7)} median ${secs(s.median)}   min ${secs(s.min)}   max ${secs(s.max)}   (commit→run created median ${secs(d.median)}, run created→live median ${secs(r.median)})  target < 2 s: ${s.median < 2000 ? 'met' : 'MISSED'}`);
    const names = Object.keys(samples[0]?.stages ?? {});
    console.log(`          stage medians: ${names.map((n) => `${n} ${secs(summary(samples.map((x) => x.stages[n] ?? Number.NaN)).median)}`).join(' · ')}`);
  }
});
