// Benchmark: Sluice's edge router vs going direct to an instance vs nginx, plus how fast a
// route change takes effect. Run with bench/router (add --help for options).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clockTicks, cpuTicks, Procs } from './router-procs.ts';
import { measureSwitching, type SwitchResult } from './router-switch.ts';
import { benchHost, hasCommand, makeGenerator, startBackend, startNginx, startSluice, type LoadGenerator } from './router-targets.ts';
import { renderMarkdown, renderText, type Machine, type Row } from './router-report.ts';

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    'tput-seconds': { type: 'string', default: '5' },
    'lat-seconds': { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    switches: { type: 'string', default: '20' },
    generator: { type: 'string', default: 'auto' },
    markdown: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(`bench/router [--repeats 5] [--tput-seconds 5] [--lat-seconds 3] [--connections 50] [--switches 20]
             [--generator auto|wrk|node] [--markdown bench/RESULTS-router.md] [--quick]`);
  process.exit(0);
}
const quick = opts.quick;
const repeats = quick ? 1 : Number(opts.repeats);
const tputSeconds = quick ? 1 : Number(opts['tput-seconds']);
const latSeconds = quick ? 1 : Number(opts['lat-seconds']);
const connections = Number(opts.connections);
const switches = quick ? 6 : Number(opts.switches);

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const procs = new Procs();
const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-router-'));

interface Target {
  name: 'direct' | 'sluice' | 'nginx';
  port: number;
  /** The process whose CPU is charged to this target (the backend itself for direct). */
  cpuPid: number;
}

let cleaned: Promise<number[]> | undefined;
let interrupted = false;
function cleanup(): Promise<number[]> {
  cleaned ??= (async () => {
    await procs.stopAll();
    rmSync(tmp, { recursive: true, force: true });
    return procs.leftovers();
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.log(`\n${signal}: stopping every process started…`);
    // Killing the children makes main() fail fast; the end of this file reports and exits.
    void cleanup();
    setTimeout(() => process.exit(130), 10_000).unref();
  });
}

function ensureWrk(): boolean {
  if (opts.generator === 'node') return false;
  if (hasCommand('wrk')) return true;
  console.log('wrk not found: apt-get install -y wrk …');
  try {
    execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore', timeout: 120_000 });
    return hasCommand('wrk');
  } catch {
    console.log('wrk install failed: using the node load generator');
    return false;
  }
}

interface Measured {
  rps: number;
  p50Us: number;
  p99Us: number;
  /** CPU µs per request of the target's process, and the kernel (stime) part of it. */
  cpuUsPerReq: number;
  sysUsPerReq: number;
  errors: number;
}

async function measure(gen: LoadGenerator, target: Target, conns: number, seconds: number): Promise<Measured> {
  const before = cpuTicks(target.cpuPid);
  const r = await gen.run(target.port, conns, seconds);
  const after = cpuTicks(target.cpuPid);
  const perReq = (ticks: number): number => ((ticks / clockTicks) * 1e6) / Math.max(1, r.requests);
  return {
    rps: r.requests / r.seconds,
    p50Us: r.p50Us,
    p99Us: r.p99Us,
    cpuUsPerReq: perReq(after.user - before.user + after.sys - before.sys),
    sysUsPerReq: perReq(after.sys - before.sys),
    errors: r.errors,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = loadavg()[0] ?? 0;
  const useWrk = ensureWrk();
  const gen = makeGenerator(procs, tmp, repoRoot, useWrk);
  const a = await startBackend(procs, 'a');
  const b = await startBackend(procs, 'b');
  const targetA = { id: 'a#1', host: '127.0.0.1', port: a.port };
  const targetB = { id: 'b#1', host: '127.0.0.1', port: b.port };
  const sluice = await startSluice(procs, repoRoot);
  await sluice.setRoutes({ routes: [{ host: benchHost, backends: [{ release: 'r1', weight: 100, targets: [targetA, targetB] }] }] });
  const nginx = await startNginx(procs, tmp, [a, b]);

  const targets: Target[] = [
    { name: 'direct', port: a.port, cpuPid: a.pid },
    { name: 'sluice', port: sluice.port, cpuPid: sluice.pid },
  ];
  if (nginx) targets.push({ name: 'nginx', port: nginx.port, cpuPid: nginx.pid });

  console.log(`generator ${gen.name}; ${repeats} repeats × (${connections} conns ${tputSeconds}s + 1 conn ${latSeconds}s) per target`);
  for (const t of targets) await gen.run(t.port, connections, 1); // warm-up: JIT, upstream pools

  const rows = new Map<Target['name'], Row>(targets.map((t) => [t.name, { name: t.name, rps: [], p50Us: [], p99Us: [], cpu50: [], sys50: [], cpu1: [], sys1: [], errors: 0 }]));
  for (let i = 0; i < repeats; i++) {
    const line: string[] = [];
    for (const t of targets) {
      const row = rows.get(t.name)!;
      const tput = await measure(gen, t, connections, tputSeconds);
      const lat = await measure(gen, t, 1, latSeconds);
      row.rps.push(tput.rps);
      row.cpu50.push(tput.cpuUsPerReq);
      row.sys50.push(tput.sysUsPerReq);
      row.p50Us.push(lat.p50Us);
      row.p99Us.push(lat.p99Us);
      row.cpu1.push(lat.cpuUsPerReq);
      row.sys1.push(lat.sysUsPerReq);
      row.errors += tput.errors + lat.errors;
      line.push(`${t.name} ${Math.round(tput.rps)} req/s p50 ${Math.round(lat.p50Us)}µs`);
    }
    console.log(`  repeat ${i + 1}/${repeats}: ${line.join(' | ')}`);
  }

  const switching: SwitchResult[] = [];
  for (const mode of ['weights', 'replace'] as const) switching.push(await measureSwitching(sluice, targetA, targetB, mode, switches));

  const machine: Machine = {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    node: process.version,
    nginx: nginx?.version,
    generator: useWrk ? `wrk ${/wrk (\S+)/.exec(spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout)?.[1] ?? ''} (1 thread)` : gen.name,
    repeats,
    tputSeconds,
    latSeconds,
    connections,
    loadStart,
    loadEnd: loadavg()[0] ?? 0,
  };
  const ordered = targets.map((t) => rows.get(t.name)!);
  console.log(`\n${renderText(machine, ordered, switching)}`);
  if (opts.markdown) {
    writeFileSync(resolve(repoRoot, opts.markdown), renderMarkdown(machine, ordered, switching));
    console.log(`\nwrote ${opts.markdown}`);
  }
  console.log(`(run took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  // After a signal, the killed children make main() fail: that is not news.
  if (!interrupted) console.error(`bench/router failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
}
const left = await cleanup();
if (left.length > 0) {
  console.error(`processes still present after cleanup: ${left.join(', ')}`);
  exitCode = 1;
} else {
  console.log(`cleanup: all ${procs.count} processes started by this run have ended`);
}
process.exit(interrupted ? 130 : exitCode);
