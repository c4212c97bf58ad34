// bench/preview-density: how many idle previews of the example service one machine holds with
// scale to zero, and how long a sleeping preview takes to answer.
//   1. `sluice init --example hello` with instances: 1, trivial build/test, production only, and
//      previews: {pullRequests: true, scaleToZero: 5s}; one server (polling off).
//   2. N signed GitHub `pull_request opened` deliveries (all at the same head, branch `feature`);
//      waits until every pr-N is deployed, then until every one sleeps (no instance process left).
//   3. Resident memory (VmRSS) of the server and the data plane, separately and together, and
//      their CPU use while everything sleeps.
//   4. Wake-ups: a sample woken one at a time (each asleep first), then batches woken C at once;
//      time from the request to the end of the 200 response.
// Flags: --previews N (200), --wake-sample 50, --concurrency 10, --batches 5, --max-runs 4,
// --deploy-timeout SECONDS (300), --limit SECONDS (hard bound, 900), --no-results (no file),
// --idle-window SECONDS (60: CPU use while all sleep), --trace-git (count the git processes the
// server starts, through a logging `git` first on its PATH).
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, runCli, tempDir, type RunJson } from '../test/e2e/harness.ts';
import { benchMain, execFileAsync, machine, ms, secs, sleep } from './bench-kit.ts';
import { cpuSecondsOf, descendantsOf, gitTracer, instanceNodesOf, memoryOf, sendPullRequest, timedGet, type Wake } from './preview-density-kit.ts';
import { numberArg } from './rollout-kit.ts';

const N = numberArg('--previews', 200);
const SAMPLE = Math.min(N, numberArg('--wake-sample', 50));
const CONC = Math.min(N, numberArg('--concurrency', 10));
const BATCHES = numberArg('--batches', 5);
const MAX_RUNS = numberArg('--max-runs', 4);
const DEPLOY_TIMEOUT_MS = numberArg('--deploy-timeout', 300) * 1000;
const LIMIT_MS = numberArg('--limit', 900) * 1000;
const WRITE = !process.argv.includes('--no-results');
const TRACE_GIT = process.argv.includes('--trace-git');
/** Idle CPU is averaged over this window: 60 s holds one pass of the preview reconciler. */
const IDLE_WINDOW_MS = numberArg('--idle-window', 60) * 1000;
const SCALE_TO_ZERO = '5s';
const PROJECT = 'hello';
/** Issue 9's target: control plane + data plane under 200 MB of resident memory (issue 5 asked for 300). */
const TARGET_MB = 200;
const underTarget = (x: number): boolean => (x * 1048576) / 1e6 < TARGET_MB;
const EXPECTED_BODY = 'Hello from Sluice!';

const sluiceYaml = `build:
  - name: build
    run: "true"
test:
  - name: test
    run: "true"
services:
  web:
    start: node server.js
    health: /healthz
    instances: 1
environments:
  production:
    approval: false
previews:
  pullRequests: true
  scaleToZero: ${SCALE_TO_ZERO}
`;

interface EnvStatus {
  name: string;
  state: string;
  url: string;
  release: { commit: string } | null;
}
interface RunRow extends RunJson {
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const git = (dir: string, ...args: string[]): Promise<unknown> => execFileAsync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@sluice.invalid', ...args], { cwd: dir });
const q = (xs: number[], p: number): number => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};
const mib = (x: number): string => `${x.toFixed(1)} MiB`;
/** The target says MB: both units, since 200 MB (10^6 bytes) is 190.7 MiB. */
const mibMb = (x: number): string => `${x.toFixed(1)} MiB (${((x * 1048576) / 1e6).toFixed(1)} MB)`;
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;

interface Mem {
  server: number;
  dataPlane: number;
  total: number;
  /** Instance shims and tsx's esbuild service (if any) under the server and the data plane. */
  helpers: number;
  serverPeak: number;
  dataPlanePeak: number;
}

/** Processes beside the two: instance shims (one per running instance) and tsx's esbuild service, if any. */
const helperRss = (pids: number[]): number => {
  // The data plane is itself below the server (through the router-port keeper): each process once.
  const helpers = new Map(pids.flatMap((p) => descendantsOf(p)).filter((p) => p.shim || p.comm === 'esbuild').map((p) => [p.pid, p]));
  return [...helpers.keys()].reduce((n, pid) => n + (memoryOf(pid)?.rssMiB ?? 0), 0);
};

/** Median of a few samples 500 ms apart (the GC makes single readings jumpy). */
async function memory(serverPid: number, dpPid: number, samples = 5): Promise<Mem> {
  const rows: Mem[] = [];
  for (let i = 0; i < samples; i++) {
    const s = memoryOf(serverPid);
    const d = memoryOf(dpPid);
    if (!s || !d) throw new Error('the server or the data plane is gone');
    rows.push({ server: s.rssMiB, dataPlane: d.rssMiB, total: s.rssMiB + d.rssMiB, helpers: helperRss([serverPid, dpPid]), serverPeak: s.peakMiB, dataPlanePeak: d.peakMiB });
    if (i < samples - 1) await sleep(500);
  }
  rows.sort((a, b) => a.total - b.total);
  return rows[Math.floor(rows.length / 2)]!;
}

async function main(onCleanup: (fn: () => Promise<void> | void) => void): Promise<void> {
  const out: string[] = [];
  const say = (line = ''): void => {
    console.log(line);
    out.push(line);
  };
  const header = machine();
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const gitOut = async (...args: string[]): Promise<string> => ((await execFileAsync('git', args, { cwd: root })) as { stdout: string }).stdout.trim();
  const dirty = (await gitOut('status', '--porcelain', '--', 'src')).split('\n').filter(Boolean).length;
  const tree = `\`${await gitOut('rev-parse', '--short', 'HEAD')}\`${dirty ? ` with ${dirty} changed or new file(s) under src/ in the working tree` : ''}`;
  console.log(`bench/preview-density · ${header}`);
  console.log(`previews ${N}, wake sample ${SAMPLE} sequential + ${BATCHES}×${CONC} concurrent, --max-runs ${MAX_RUNS}, scaleToZero ${SCALE_TO_ZERO}\n`);
  const tStart = Date.now();

  // 1. The example service, trimmed for density.
  const parent = tempDir('density');
  onCleanup(() => fs.rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'hello');
  const init = await runCli(['init', '--example', 'hello', dir]);
  if (init.code !== 0) throw new Error(`sluice init: ${init.stderr}`);
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), sluiceYaml);
  await git(dir, 'commit', '-q', '-am', 'density benchmark: one instance, previews scale to zero');
  await git(dir, 'branch', 'feature');
  const head = ((await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: dir })) as { stdout: string }).stdout.trim();

  const tracer = TRACE_GIT ? gitTracer(parent, ((await execFileAsync('sh', ['-c', 'command -v git'])) as { stdout: string }).stdout.trim()) : null;
  const gitCounts = (): string => (tracer ? JSON.stringify(tracer.counts()) : '(use --trace-git)');
  // As installed: the server with the shebang's Node flags (the data plane sets its own).
  const server = await TestServer.start(['--poll-interval', '1h', '--max-runs', String(MAX_RUNS)], tracer ? { PATH: `${tracer.pathDir}:${process.env.PATH ?? ''}` } : {}, { asInstalled: true });
  onCleanup(() => server.close());
  const serverPid = server.child!.pid!;
  const added = await server.api<{ webhooks: { secret: string } }>('POST', '/api/projects', { name: PROJECT, repo: dir });
  if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
  const secret = added.body.webhooks.secret;
  const status = async (): Promise<EnvStatus[]> => (await server.api<{ environments: EnvStatus[] }>('GET', `/api/projects/${PROJECT}/status`)).body.environments;
  const prodDeadline = Date.now() + 90_000;
  while (!(await status()).some((e) => e.name === 'production' && e.state === 'healthy')) {
    if (Date.now() > prodDeadline) throw new Error(`production never became healthy:\n${server.log.slice(-3000)}`);
    await sleep(250);
  }
  const dpPid = server.dataPlanePid();
  if (!dpPid) throw new Error('no data plane pid in its log');
  await sleep(2000); // let the first run's garbage settle
  const base = await memory(serverPid, dpPid);
  console.log(`setup ${secs(Date.now() - tStart, 1)}: server pid ${serverPid}, data plane pid ${dpPid}; with 0 previews: server ${mib(base.server)} + data plane ${mib(base.dataPlane)} = ${mib(base.total)}`);

  // 2. N pull requests; all deployed; all asleep.
  const t0 = Date.now();
  const numbers = Array.from({ length: N }, (_, i) => i + 1);
  for (let i = 0; i < numbers.length; i += 20) {
    const codes = await Promise.all(numbers.slice(i, i + 20).map((n) => sendPullRequest(server.url, { project: PROJECT, secret, number: n, action: 'opened', headSha: head, headRef: 'feature' })));
    const bad = codes.filter((c) => c !== 202);
    if (bad.length) throw new Error(`webhook answered ${bad.join(', ')}`);
  }
  const hooksMs = Date.now() - t0;
  console.log(`${N} pull_request opened deliveries accepted in ${secs(hooksMs)}`);

  const previewsOf = (envs: EnvStatus[]): EnvStatus[] => envs.filter((e) => e.name.startsWith('pr-'));
  let deployedMs = Number.NaN;
  let maxAwake = 0;
  let peakDuringDeploy: Mem | null = null;
  let lastLine = 0;
  const milestones: Array<[number, number]> = [];
  for (;;) {
    const prs = previewsOf(await status());
    const live = prs.filter((e) => e.release?.commit === head && (e.state === 'healthy' || e.state === 'sleeping' || e.state === 'degraded'));
    const awake = instanceNodesOf(dpPid).length;
    maxAwake = Math.max(maxAwake, awake);
    const s = memoryOf(serverPid);
    const d = memoryOf(dpPid);
    if (s && d && (!peakDuringDeploy || s.rssMiB + d.rssMiB > peakDuringDeploy.total)) {
      peakDuringDeploy = { server: s.rssMiB, dataPlane: d.rssMiB, total: s.rssMiB + d.rssMiB, helpers: 0, serverPeak: s.peakMiB, dataPlanePeak: d.peakMiB };
    }
    for (const share of [0.25, 0.5, 0.75, 1]) {
      if (live.length >= Math.ceil(share * N) && !milestones.some(([s]) => s === share)) milestones.push([share, Date.now() - t0]);
    }
    if (Date.now() - lastLine > 10_000) {
      lastLine = Date.now();
      console.log(`  ${secs(Date.now() - t0, 0)}: ${live.length}/${N} deployed, ${prs.filter((e) => e.state === 'sleeping').length} asleep, ${awake} node processes under the data plane${tracer ? `; git so far ${gitCounts()}` : ''}`);
    }
    if (live.length === N) {
      deployedMs = Date.now() - t0;
      break;
    }
    if (Date.now() - t0 > DEPLOY_TIMEOUT_MS) break;
    await sleep(1000);
  }
  const runs = (await server.api<RunRow[]>('GET', `/api/projects/${PROJECT}/runs?limit=500`)).body.filter((r) => r.trigger === 'webhook:github');
  const byState = runs.reduce<Record<string, number>>((m, r) => ((m[r.state] = (m[r.state] ?? 0) + 1), m), {});
  const runMs = runs.filter((r) => r.startedAt && r.finishedAt).map((r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt!));
  const failed = runs.filter((r) => r.state !== 'succeeded' && r.state !== 'running' && r.state !== 'queued');
  if (Number.isNaN(deployedMs)) {
    console.log(`NOT all deployed within ${DEPLOY_TIMEOUT_MS / 1000} s; runs: ${JSON.stringify(byState)}`);
    for (const r of failed.slice(0, 5)) console.log(`  run #${r.number} ${r.state}: ${r.reason ?? ''}`);
    throw new Error('deploys did not finish in time (use a smaller --previews or a larger --deploy-timeout)');
  }
  const mileText = milestones.map(([share, at]) => `${share * 100}% at ${secs(at, 0)}`).join(', ');
  console.log(`all ${N} previews deployed ${secs(deployedMs, 1)} after the first delivery (${mileText}); runs ${JSON.stringify(byState)}; run duration p50 ${ms(q(runMs, 0.5))} p99 ${ms(q(runMs, 0.99))}`);

  const tSleep = Date.now();
  let asleepMs = Number.NaN;
  while (Date.now() - tSleep < 120_000) {
    const prs = previewsOf(await status());
    const awake = instanceNodesOf(dpPid).length;
    if (prs.length === N && prs.every((e) => e.state === 'sleeping') && awake <= 1) {
      asleepMs = Date.now() - tSleep;
      break;
    }
    await sleep(500);
  }
  if (Number.isNaN(asleepMs)) {
    const prs = previewsOf(await status());
    const awake = prs.filter((e) => e.state !== 'sleeping').map((e) => `${e.name} ${e.state}`);
    throw new Error(`not every preview went to sleep within 120 s: ${prs.length}/${N} previews, awake: ${awake.slice(0, 10).join(', ') || 'none'}; instance processes: ${instanceNodesOf(dpPid).length}`);
  }
  const procsAsleep = descendantsOf(dpPid);
  console.log(`all ${N} asleep ${secs(asleepMs, 1)} later; processes under the data plane: ${procsAsleep.length} (${procsAsleep.map((p) => p.comm).join(', ') || 'none'}; production's instance does not scale to zero)`);

  // 3. Memory and idle CPU with everything asleep.
  await sleep(3000);
  const idle = await memory(serverPid, dpPid, 9);
  const cpu0 = { s: cpuSecondsOf(serverPid), d: cpuSecondsOf(dpPid), at: Date.now(), git: tracer?.counts() ?? {} };
  await sleep(IDLE_WINDOW_MS);
  const cpuWindow = (Date.now() - cpu0.at) / 1000;
  const s1 = cpuSecondsOf(serverPid);
  const idleCpu = { server: (s1.own - cpu0.s.own) / cpuWindow, serverChildren: (s1.children - cpu0.s.children) / cpuWindow, dataPlane: (cpuSecondsOf(dpPid).own - cpu0.d.own) / cpuWindow };
  const gitIdle = tracer ? Object.entries(tracer.counts()).map(([k, v]) => `${k} ${v - (cpu0.git[k] ?? 0)}`).filter((x) => !x.endsWith(' 0')).join(', ') || 'none' : '(use --trace-git)';
  console.log(`asleep: server ${mib(idle.server)} + data plane ${mib(idle.dataPlane)} = ${mibMb(idle.total)} (target < ${TARGET_MB} MB); instance shims (production's) ${mib(idle.helpers)} more`);
  console.log(`idle CPU over ${cpuWindow.toFixed(0)} s: server ${pct(idleCpu.server, 1)} of a core + its ended children (git, …) ${pct(idleCpu.serverChildren, 1)}, data plane ${pct(idleCpu.dataPlane, 1)}; git processes started by the server meanwhile: ${gitIdle}`);

  // 4. Wake-ups.
  const isAsleep = async (names: string[]): Promise<boolean> => {
    const byName = new Map(previewsOf(await status()).map((e) => [e.name, e.state]));
    return names.every((n) => byName.get(n) === 'sleeping');
  };
  const waitAsleep = async (names: string[]): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!(await isAsleep(names))) {
      if (Date.now() > deadline) throw new Error(`${names.join(', ')} did not go back to sleep within 60 s`);
      await sleep(250);
    }
  };
  const hostOf = (n: number): string => `pr-${n}.${PROJECT}.localhost`;
  const stride = Math.max(1, Math.floor(N / SAMPLE));
  const seqSample = Array.from({ length: SAMPLE }, (_, i) => numbers[(i * stride) % N]!);
  const sequential: Wake[] = [];
  const warm: Wake[] = [];
  for (const n of seqSample) {
    await waitAsleep([`pr-${n}`]);
    sequential.push(await timedGet(server.routerPort, hostOf(n)));
    warm.push(await timedGet(server.routerPort, hostOf(n)));
  }
  const seqOk = sequential.filter((w) => w.status === 200 && w.body === EXPECTED_BODY);
  const seqMs = seqOk.map((w) => w.ms);
  console.log(`sequential wake of ${SAMPLE}: ${seqOk.length} answered 200; p50 ${ms(q(seqMs, 0.5))} p99 ${ms(q(seqMs, 0.99))} max ${ms(Math.max(...seqMs))}; the next request (awake) p50 ${ms(q(warm.map((w) => w.ms), 0.5), 1)}`);
  for (const w of sequential.filter((x) => !seqOk.includes(x)).slice(0, 5)) console.log(`  ${w.host}: ${w.status} ${w.body.slice(0, 120)}`);

  const unused = numbers.filter((n) => !seqSample.includes(n));
  const concurrent: Wake[] = [];
  const batchWall: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const pool = unused.length >= CONC * BATCHES ? unused.slice(b * CONC, (b + 1) * CONC) : numbers.slice((b * CONC) % N, ((b * CONC) % N) + CONC);
    await waitAsleep(pool.map((n) => `pr-${n}`));
    const tb = Date.now();
    concurrent.push(...(await Promise.all(pool.map((n) => timedGet(server.routerPort, hostOf(n))))));
    batchWall.push(Date.now() - tb);
  }
  const conOk = concurrent.filter((w) => w.status === 200 && w.body === EXPECTED_BODY);
  const conMs = conOk.map((w) => w.ms);
  console.log(`concurrent wake, ${BATCHES} batches of ${CONC}: ${conOk.length}/${concurrent.length} answered 200; p50 ${ms(q(conMs, 0.5))} p99 ${ms(q(conMs, 0.99))} max ${ms(Math.max(...conMs))}; batch wall time p50 ${ms(q(batchWall, 0.5))}`);
  for (const w of concurrent.filter((x) => !conOk.includes(x)).slice(0, 5)) console.log(`  ${w.host}: ${w.status} ${w.body.slice(0, 120)}`);

  // Back to sleep: does memory return to where it was?
  await waitAsleep(numbers.map((n) => `pr-${n}`));
  await sleep(3000);
  const after = await memory(serverPid, dpPid, 9);
  console.log(`asleep again after ${sequential.length + concurrent.length} wake-ups: server ${mib(after.server)} + data plane ${mib(after.dataPlane)} = ${mib(after.total)}; peaks (VmHWM) server ${mib(after.serverPeak)}, data plane ${mib(after.dataPlanePeak)}`);
  const totalMs = Date.now() - tStart;
  console.log(`\ntotal ${secs(totalMs, 0)}; git processes started by the server over the run: ${gitCounts()}`);

  const met = underTarget(idle.total) && N >= 200;
  say(`# bench/preview-density`);
  say();
  say(`${header}`);
  say();
  say(`Source: commit ${tree}.`);
  say();
  say(`\`bench/preview-density --previews ${N} --wake-sample ${SAMPLE} --concurrency ${CONC} --batches ${BATCHES} --max-runs ${MAX_RUNS}\` (total ${secs(totalMs, 0)}). The example service (\`sluice init --example hello\`) with \`instances: 1\`, build and test \`true\`, production only, \`previews: {pullRequests: true, scaleToZero: ${SCALE_TO_ZERO}}\`; one server (\`--poll-interval 1h\`). ${N} signed GitHub \`pull_request opened\` deliveries, all at the same head commit (branch \`feature\`).`);
  say();
  say(`| | figure |`);
  say(`|---|---|`);
  say(`| previews held, all asleep | **${N}** (no instance process left; production's one instance stays up) |`);
  say(`| resident memory, asleep: server + data plane | **${mibMb(idle.total)}** = ${mib(idle.server)} + ${mib(idle.dataPlane)} (target < ${TARGET_MB} MB: ${underTarget(idle.total) ? 'met' : `NOT met; it is ${idle.total < TARGET_MB ? `under ${TARGET_MB} MiB` : `over ${TARGET_MB} MiB too`}`}); plus ${mib(idle.helpers)} in the shim of production's instance |`);
  say(`| same with 0 previews | ${mib(base.total)} = ${mib(base.server)} + ${mib(base.dataPlane)} (shims ${mib(base.helpers)}) → ${((1024 * (idle.total - base.total)) / N).toFixed(0)} KiB per sleeping preview |`);
  say(`| asleep again after ${sequential.length + concurrent.length} wake-ups | ${mib(after.total)} = ${mib(after.server)} + ${mib(after.dataPlane)} |`);
  say(`| peak RSS (VmHWM) over the run | server ${mib(after.serverPeak)}, data plane ${mib(after.dataPlanePeak)}; highest sum seen while deploying ${mib(peakDuringDeploy?.total ?? Number.NaN)} |`);
  say(`| idle CPU, all asleep (${cpuWindow.toFixed(0)} s) | server ${pct(idleCpu.server, 1)} of a core + its ended children (git, …) ${pct(idleCpu.serverChildren, 1)}; data plane ${pct(idleCpu.dataPlane, 1)}; git processes meanwhile: ${gitIdle} |`);
  say(`| deliveries accepted | ${secs(hooksMs)} for ${N} |`);
  say(`| all deployed | ${secs(deployedMs, 1)} after the first delivery (${mileText}; runs ${JSON.stringify(byState)}; a run takes p50 ${ms(q(runMs, 0.5))}, p99 ${ms(q(runMs, 0.99))}; at most ${maxAwake} instance processes up at once) |`);
  say(`| all asleep | ${secs(asleepMs, 1)} after the last deploy |`);
  say(`| wake-up, one at a time (${seqOk.length}/${SAMPLE} answered 200) | **p50 ${ms(q(seqMs, 0.5))}, p99 ${ms(q(seqMs, 0.99))}**, max ${ms(Math.max(...seqMs))} (target < 2 s); the next request, awake: p50 ${ms(q(warm.map((w) => w.ms), 0.5), 1)} |`);
  say(`| wake-up, ${CONC} at once × ${BATCHES} (${conOk.length}/${concurrent.length} answered 200) | p50 ${ms(q(conMs, 0.5))}, p99 ${ms(q(conMs, 0.99))}, max ${ms(Math.max(...conMs))}; a batch of ${CONC} fully answered in p50 ${ms(q(batchWall, 0.5))} |`);
  say();
  say(met ? `Target met: ${N} idle previews with the control plane and the data plane together at ${mibMb(idle.total)}.` : `Target (200 previews, under ${TARGET_MB} MB) ${N < 200 ? `not measured at 200 in this run (N = ${N}); run \`bench/preview-density --previews 200\`` : `NOT met: ${mibMb(idle.total)}`}.`);
  say();
  say(`Wake-up time is from sending \`GET /\` to the router (Host \`pr-N.${PROJECT}.localhost\`) to the end of the 200 response: the router holds the request while the data plane starts the instance and its health check passes. RSS is VmRSS from /proc/PID/status, the median of 9 readings 500 ms apart.`);
  if (WRITE) {
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'RESULTS-previews.md');
    // A hand-written `## Findings` section of the previous file is kept.
    const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const at = previous.indexOf('\n## Findings');
    fs.writeFileSync(file, `${out.join('\n')}\n${at >= 0 ? previous.slice(at) : ''}`);
    console.log(`\nwrote ${file}`);
  }
}

// Output piped into `head` that closes early must not kill the benchmark before its cleanup
// (the data plane is detached and would outlive it).
process.stdout.on('error', () => {});
await benchMain('bench/preview-density', LIMIT_MS, main);
