// Start time and idle memory of the compiled build, side by side in one run (medians):
//   node -e 0 (the floor) · sluice --version · sluice server until its first HTTP answer ·
//   resident memory (VmRSS) of the server and the data plane after 10 s idle with the example
//   project deployed. `sluice` runs as installed: with the Node flags of bin/sluice.js's shebang
//   (which npm start and docs/systemd pass too; docs/decisions/0012). Beside it, interleaved:
//   plain `node bin/sluice.js` (no flags), and with --baseline DIR another built checkout's
//   bin/sluice.js (e.g. the commit before a change), started the same way as installed.
// Usage: bench/startup [--reps N] [--idle SECONDS] [--baseline DIR] [--out FILE]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchMain, machine, median, ms, sleep, waitRunOf } from './bench-kit.ts';
import { memoryOf, settledRssMiB as rss } from './preview-density-kit.ts';
import { bin, freePort, root, runCli, shebangFlags, tempDir } from '../test/e2e/harness.ts';
import { DataPlaneClient } from '../src/dataplane/data-plane-client.ts';
import { socketPathOf } from '../src/dataplane/data-plane-paths.ts';
import { DATA_PLANE_NODE_FLAGS } from '../src/server/ensure-data-plane.ts';

const argOf = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const REPS = Number(argOf('--reps', '7'));
const IDLE_MS = Number(argOf('--idle', '10')) * 1000;
const OUT = argOf('--out', '');
const BASELINE = argOf('--baseline', '');
const TARGET = { versionMs: 150, answerMs: 1000, rssMiB: 70 };

/** The ways of starting `sluice`: as installed (shebang flags), plain node, and a baseline build. */
const compiled = [...shebangFlags(bin), bin];
const plain = [bin];
const baselineBin = BASELINE ? path.resolve(BASELINE, 'bin', 'sluice.js') : '';
const baseline = baselineBin ? [...shebangFlags(baselineBin), baselineBin] : [];

/** Wall time of one process from spawn to exit. */
function timeExit(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

interface Started {
  child: ChildProcess;
  url: string;
  answerMs: number;
  log: () => string;
}

/** Spawns `sluice server` and polls /api/health every 5 ms until it answers. */
async function startServer(prefix: string[], dataDir: string, port: number, routerPort: number): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...prefix, 'server', '--data', dataDir, '--port', String(port), '--router-port', String(routerPort), '--poll-interval', '2s'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited ${child.exitCode}: ${log}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { child, url, answerMs: performance.now() - t0, log: () => log };
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not answer within 60 s: ${log}`);
}

async function stopServer(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

async function stopDataPlane(dataDir: string): Promise<void> {
  const client = new DataPlaneClient(socketPathOf(dataDir));
  const h = await client.health();
  if (!h) return;
  await runCli(['down', '--data', dataDir], { timeoutMs: 30_000 });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && memoryOf(h.pid)) await sleep(50);
  if (memoryOf(h.pid)) process.kill(h.pid, 'SIGKILL');
}


const mib = (x: number): string => `${x.toFixed(1)} MiB`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

async function main(onCleanup: (fn: () => Promise<void> | void) => void): Promise<void> {
  const out: string[] = [];
  const say = (line = ''): void => {
    console.log(line);
    out.push(line);
  };
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const header = machine();
  console.log(`bench/startup · ${header}\nreps ${REPS}, idle ${IDLE_MS / 1000} s\n`);

  // 1. Processes that start and exit, interleaved so that load on the machine hits all alike.
  const t = { node: [] as number[], version: [] as number[], versionPlain: [] as number[], versionBase: [] as number[] };
  await timeExit(['-e', '0']); // warm the page cache
  for (let i = 0; i < REPS; i++) {
    t.node.push(await timeExit(['-e', '0']));
    t.version.push(await timeExit([...compiled, '--version']));
    t.versionPlain.push(await timeExit([...plain, '--version']));
    if (baseline.length) t.versionBase.push(await timeExit([...baseline, '--version']));
  }
  console.log(`node -e 0 ${ms(median(t.node))}, sluice --version ${ms(median(t.version))} (plain node ${ms(median(t.versionPlain))}; baseline ${t.versionBase.length ? ms(median(t.versionBase)) : '-'})`);

  // 2. `sluice server` on a new data directory until /api/health answers (this includes
  //    creating the store, the master key and starting the data plane), compiled and via tsx.
  const answer = { compiled: [] as number[], plain: [] as number[], baseline: [] as number[] };
  const kinds = [['compiled', compiled], ['plain', plain], ...(baseline.length ? [['baseline', baseline]] : [])] as Array<[keyof typeof answer, string[]]>;
  for (let i = 0; i < REPS; i++) {
    for (const [kind, prefix] of kinds) {
      const dir = tempDir('startup');
      onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
      const s = await startServer(prefix, dir, await freePort(), await freePort());
      onCleanup(() => stopServer(s));
      onCleanup(() => stopDataPlane(dir));
      answer[kind].push(s.answerMs);
      await stopServer(s);
      await stopDataPlane(dir);
    }
  }
  console.log(`server answers after ${ms(median(answer.compiled))} (plain node ${ms(median(answer.plain))}; baseline ${answer.baseline.length ? ms(median(answer.baseline)) : '-'})`);

  // 3. Idle memory with the example project deployed (staging and production, 2 instances each).
  const dir = tempDir('startup-idle');
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  onCleanup(() => stopDataPlane(dir));
  const repo = path.join(tempDir('startup-repo'), 'hello');
  onCleanup(() => fs.rmSync(path.dirname(repo), { recursive: true, force: true }));
  const init = await runCli(['init', '--example', 'hello', repo]);
  if (init.code !== 0) throw new Error(`sluice init: ${init.stderr}`);
  const port = await freePort();
  const routerPort = await freePort();
  let server = await startServer(compiled, dir, port, routerPort);
  onCleanup(() => stopServer(server));
  // The first start wrote the admin token: act as that administrator.
  const auth = { authorization: `Bearer ${fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim()}` };
  const added = await fetch(`${server.url}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ name: 'hello', repo }) });
  if (!added.ok) throw new Error(`project add: ${added.status} ${await added.text()}`);
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const api = {
    async api<T>(method: string, p: string): Promise<{ status: number; body: T }> {
      const res = await fetch(`${server.url}${p}`, { method, headers: auth });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
  const run = await waitRunOf<{ id: string; commit: string; state: string }>(api, 'hello', sha, 300_000);
  if (run.state !== 'succeeded') throw new Error(`the example's run ended ${run.state}: ${server.log()}`);
  const dpPid = (await new DataPlaneClient(socketPathOf(dir)).health())?.pid;
  if (!dpPid) throw new Error('no data plane');

  const idle: Array<{ what: string; server: number; dataPlane: number }> = [];
  const measureIdle = async (what: string): Promise<void> => {
    await sleep(IDLE_MS);
    idle.push({ what, server: await rss(server.child.pid!), dataPlane: await rss(dpPid) });
    console.log(`${what}: server ${mib(idle.at(-1)!.server)}, data plane ${mib(idle.at(-1)!.dataPlane)}`);
  };
  await measureIdle('compiled, the server that ran the deployment');
  for (const [what, prefix] of [
    ['compiled, restarted (adopts the data plane)', compiled],
    ['plain node bin/sluice.js, restarted', plain],
    ...(baseline.length ? [['baseline, restarted', baseline] as const] : []),
  ] as const) {
    await stopServer(server);
    server = await startServer(prefix, dir, port, routerPort);
    await measureIdle(what);
  }
  await stopServer(server);

  // Report.
  const first = idle[0]!;
  const restarted = idle[1]!;
  say(`## bench/startup · ${header}`);
  say();
  say(`Medians of ${REPS} repetitions, interleaved; idle memory is the median of 5 VmRSS samples 500 ms apart after ${IDLE_MS / 1000} s idle, with the example project deployed (staging and production, 2 instances each, poll every 2 s).`);
  say();
  const base = (xs: number[]): string => (xs.length ? ms(median(xs)) : '');
  const baseIdle = idle.find((x) => x.what.startsWith('baseline'));
  say(`As installed: \`node ${compiled.slice(0, -1).join(' ')} bin/sluice.js\` (the shebang's flags).${baselineBin ? ` Baseline: ${baselineBin}.` : ''}`);
  say();
  say('| measure | as installed | plain `node bin/sluice.js` | baseline | target |');
  say('|---|---|---|---|---|');
  say(`| \`node -e 0\` (the floor) | ${ms(median(t.node))} | | | |`);
  say(`| \`sluice --version\` | **${ms(median(t.version))}** (${ms(median(t.version) - median(t.node))} over the floor) | ${ms(median(t.versionPlain))} | ${base(t.versionBase)} | < ${TARGET.versionMs} ms: ${verdict(median(t.version) < TARGET.versionMs)} |`);
  say(`| \`sluice server\` on a new data directory until it answers HTTP (starts the data plane) | **${ms(median(answer.compiled))}** | ${ms(median(answer.plain))} | ${base(answer.baseline)} | < ${TARGET.answerMs} ms: ${verdict(median(answer.compiled) < TARGET.answerMs)} |`);
  say(`| server RSS, idle, after running the deployment | **${mib(first.server)}** | | | ≤ ${TARGET.rssMiB} MiB: ${verdict(first.server <= TARGET.rssMiB)} |`);
  say(`| server RSS, idle, restarted | **${mib(restarted.server)}** | ${mib(idle[2]!.server)} | ${baseIdle ? mib(baseIdle.server) : ''} | ≤ ${TARGET.rssMiB} MiB: ${verdict(restarted.server <= TARGET.rssMiB)} |`);
  say(`| data plane RSS, idle (2 × 2 instances, started with \`${DATA_PLANE_NODE_FLAGS.join(' ')}\`) | **${mib(first.dataPlane)}** (${idle.map((x) => mib(x.dataPlane)).join(', ')} at each idle sample) | | | ≤ ${TARGET.rssMiB} MiB: ${verdict(first.dataPlane <= TARGET.rssMiB)} |`);
  if (OUT) {
    fs.appendFileSync(OUT, `${out.join('\n')}\n\n`);
    console.log(`\nappended to ${OUT}`);
  }
}

await benchMain('bench/startup', 30 * 60_000, main);
