// bench/flags: feature flag evaluation (issue 14). In one run, on this machine:
// - anchor: flagd-core's own evaluator in-process (a rule flag and a fractional flag, µs/evaluation),
//   beside Sluice's EnvironmentEvaluator (the router's path for flag rollouts);
// - single evaluation over OFREP (the data plane's loopback port), wrk with 1 and 50 keep-alive
//   connections, evaluations/s (target ≥ 10k/s);
// - bulk evaluation of 50 flags, round trip at one connection p50 (target < 1 ms server time: a bound);
// - publish → served by both endpoints (loopback port and /_sluice/ofrep on the router), p99 (target < 100 ms).
// The data plane is the built bundle started as `sluice server` starts it (bin/sluice.js dataplane,
// with its Node flags): what users run. The bare node:http anchor is a process of its own too; wrk is
// a third. Usage: bench/flags [--seconds 4] [--repeats 3] (bench/flags builds first)
// --baseline DIR: another built checkout's data plane, interleaved in the one-connection comparison.
// --node-flags '…': more Node flags for our data plane, as --node-flags='--flag …' (an experiment; the baseline keeps its own).
// --profile DIR: only one connection on the rule flag, the data plane's CPU profile written to DIR.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FlagdCore } from '@openfeature/flagd-core';
import { DataPlaneClient } from '../src/dataplane/data-plane-client.ts';
import { DataPlaneFlagPublisher } from '../src/dataplane/data-plane-flag-publisher.ts';
import { socketPathOf } from '../src/dataplane/data-plane-paths.ts';
import { EnvironmentEvaluator, loadFlagd } from '../src/flags/environment-evaluator.ts';
import type { EnvironmentFlags } from '../src/flags/environment-flags.ts';
import type { FlagDefinition } from '../src/flags/flag-definition.ts';
import { FlagKeyMaker } from '../src/flags/ofrep/flag-keys.ts';
import { DATA_PLANE_NODE_FLAGS } from '../src/server/ensure-data-plane.ts';
import { bin, freePort } from '../test/e2e/harness.ts';
import { stopChild } from '../test/stop-child.ts';
import { waitFor } from '../test/wait-for.ts';
import { benchMain, machine, median, prependResults, quantile } from './bench-kit.ts';
import { failingCohortOff } from './flag-rollout-off.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, repeats: { type: 'string', default: '3' }, only: { type: 'string' }, profile: { type: 'string' }, baseline: { type: 'string' }, 'node-flags': { type: 'string' } } });
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);

const rule: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', null] } };
const split: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 25], ['off', 75]] } };

/** 50 flags: static, rules, splits, strings and objects, like a real application's set. */
function fiftyFlags(version: number, banner = 'Hello'): EnvironmentFlags {
  const flags: Record<string, FlagDefinition> = { rule, split, banner: { state: 'ENABLED', variants: { a: banner, b: 'other' }, defaultVariant: 'a' } };
  for (let i = 0; Object.keys(flags).length < 50; i++) {
    const kind = i % 4;
    flags[`flag-${i}`] =
      kind === 0 ? { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }
      : kind === 1 ? { ...rule }
      : kind === 2 ? { ...split }
      : { state: 'ENABLED', variants: { small: { items: 3 }, big: { items: 50 } }, defaultVariant: 'big' };
  }
  return { project: 'bench', environment: 'production', version, flags, evaluators: {}, clientFlags: ['banner'], archived: [] };
}

/** µs per evaluation, median of `repeats` runs of n evaluations each. */
function perEvaluation(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) fn(i); // warm-up: JIT and the compiled JSONLogic
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(((performance.now() - t0) * 1000) / n);
  }
  return median(runs);
}

/** The one-connection anchor: node:http that reads and parses the body and answers a fixed evaluation (prints its port). */
const bareServer = `
import http from 'node:http';
const text = '{"key":"rule","reason":"TARGETING_MATCH","variant":"on","value":true,"metadata":{}}';
const server = http.createServer({ keepAliveTimeout: 30000, noDelay: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
    res.end(text);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** CPU time (user + system) a process has used so far, in µs (/proc/PID/stat, clock ticks of 10 ms). */
function cpuUsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) ok(out);
      else fail(new Error(`${command} exited ${code}:\n${out.slice(-2000)}`));
    });
  });
}

async function main(onCleanup: (fn: () => Promise<void> | void) => void): Promise<void> {
  const load0 = os.loadavg()[0]!;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-flags-'));
  onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const report = (line: string): void => {
    lines.push(line);
    console.log(line);
  };

  // Anchor: flagd's evaluator in-process, and ours around it.
  const flagd = new FlagdCore();
  flagd.setConfigurations(JSON.stringify({ flags: { rule, split } }));
  const users = Array.from({ length: 1024 }, (_, i) => ({ targetingKey: `user-${i}`, email: i % 2 ? `u${i}@example.com` : `u${i}@other.org` }));
  const flagdRule = perEvaluation(200_000, (i) => flagd.resolveBooleanEvaluation('rule', false, users[i & 1023]));
  const flagdSplit = perEvaluation(200_000, (i) => flagd.resolveBooleanEvaluation('split', false, users[i & 1023]));
  const ours = new EnvironmentEvaluator(await loadFlagd(), fiftyFlags(1));
  const oursRule = perEvaluation(200_000, (i) => ours.evaluate('rule', users[i & 1023]!));
  const oursSplit = perEvaluation(200_000, (i) => ours.evaluate('split', users[i & 1023]!));
  report(`anchor, in-process (median of ${repeats} × 200k): flagd-core rule ${flagdRule.toFixed(2)} µs, fractional ${flagdSplit.toFixed(2)} µs; Sluice's EnvironmentEvaluator rule ${oursRule.toFixed(2)} µs, fractional ${oursSplit.toFixed(2)} µs`);

  const keys = new FlagKeyMaker(randomBytes(32));
  const startDataPlane = async (binPath: string, dir: string, nodeFlags: string[] = []): Promise<{ client: DataPlaneClient; publisher: DataPlaneFlagPublisher; routerPort: number; base: string; pid: number }> => {
    const routerPort = await freePort();
    const child = spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, ...nodeFlags, binPath, 'dataplane', '--data', dir, '--router-port', String(routerPort), '--flags-port', '0', '--sandbox', 'none'], {
      cwd: path.dirname(path.dirname(binPath)),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    onCleanup(() => stopChild(child, 10_000)); // SIGTERM: the data plane stops its instances and exits
    const client = new DataPlaneClient(socketPathOf(dir));
    let flagsPort: number | undefined;
    await waitFor('the data plane to answer', async () => {
      if (child.exitCode !== null) throw new Error(`the data plane exited ${child.exitCode}`);
      flagsPort = (await client.health())?.flagsPort;
      return flagsPort !== undefined;
    }, 20_000);
    const publisher = new DataPlaneFlagPublisher(client, keys);
    await publisher.publish(fiftyFlags(1));
    return { client, publisher, routerPort, base: `http://127.0.0.1:${flagsPort}`, pid: child.pid! };
  };
  // The data plane as `sluice server` starts it: the built bundle (bin/sluice.js → dist/sluice),
  // `sluice dataplane` with the data plane's Node flags, a process of its own.
  const { client, publisher, routerPort, base, pid } = await startDataPlane(bin, dataDir, [...(values['node-flags']?.split(' ').filter(Boolean) ?? []), ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [])]);
  // With --baseline DIR: another built checkout's data plane (e.g. the commit before a change), beside ours.
  let baselineBase = '';
  let baselinePid = 0;
  if (values.baseline) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-flags-baseline-'));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    ({ base: baselineBase, pid: baselinePid } = await startDataPlane(path.resolve(values.baseline, 'bin', 'sluice.js'), dir));
  }
  const serverKey = keys.key('server', 'bench', 'production');
  if (values.only === 'rollout-off') {
    // Only the flag rollout part (bench/flags --only rollout-off): appended to RESULTS-flags.md.
    const line = await failingCohortOff(publisher, base, serverKey, 15);
    console.log(line);
    fs.appendFileSync(path.join(import.meta.dirname, 'RESULTS-flags.md'), `\n## failing cohort → flag off, ${new Date().toISOString()}\n\n- machine: ${machine()}; load average at start ${load0.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}\n- ${line}\n`);
    return;
  }

  // Single evaluation over OFREP with wrk (POST, a context per request).
  const lua = path.join(dataDir, 'post.lua');
  fs.writeFileSync(
    lua,
    `wrk.method = "POST"
wrk.body = '{"context":{"targetingKey":"user-42","email":"ann@example.com"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${serverKey}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f\\n", summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`,
  );
  // Anchor for one connection, where the round trip is the throughput: a bare node:http server,
  // a process of its own with the same Node flags, that reads and parses the same body and answers
  // a fixed evaluation.
  const bare = spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, '--input-type=module', '-e', bareServer], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => stopChild(bare, 10_000));
  const barePort = await new Promise<number>((ok, fail) => {
    bare.stdout.setEncoding('utf8').once('data', (line: string) => ok(Number(line.trim())));
    bare.once('exit', (code) => fail(new Error(`the bare server exited ${code}`)));
  });
  const bareBase = `http://127.0.0.1:${barePort}`;
  const wrkAt = async (url: string, conns: number): Promise<{ rps: number; errors: number; p50Us: number; p99Us: number }> => {
    const out = await run('wrk', ['-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '5s', '-s', lua, url]);
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const [requests, durationUs, errors, p50, p99] = line.slice(7).split(' ').map(Number) as [number, number, number, number, number];
    return { rps: requests / (durationUs / 1e6), errors, p50Us: p50, p99Us: p99 };
  };
  // Interleaved, so that both see the same moments of a shared machine.
  const oneConnection = async (each: boolean): Promise<void> => {
    // Throughput at one connection is the round trip, which a busy machine stretches at random; the
    // server's CPU time per request (/proc) is what the code costs, and varies less.
    type One = { rps: number[]; cpuUs: number[] };
    const one = (): One => ({ rps: [], cpuUs: [] });
    const ours = one();
    const bareOne = one();
    const baselineOne = one();
    const loads: number[] = [];
    const measure = async (into: One, url: string, serverPid: number): Promise<void> => {
      const cpu0 = cpuUsOf(serverPid);
      const r = await wrkAt(url, 1);
      into.rps.push(r.rps);
      into.cpuUs.push((cpuUsOf(serverPid) - cpu0) / (r.rps * seconds));
    };
    for (let r = 0; r < repeats; r++) {
      await measure(bareOne, `${bareBase}/`, bare.pid!);
      await measure(ours, `${base}/ofrep/v1/evaluate/flags/rule`, pid);
      if (baselineBase) await measure(baselineOne, `${baselineBase}/ofrep/v1/evaluate/flags/rule`, baselinePid);
      loads.push(os.loadavg()[0]!);
      const show = (x: One): string => `${Math.round(x.rps.at(-1)!)}/s ${x.cpuUs.at(-1)!.toFixed(0)} µs CPU`;
      if (each) console.log(`  repeat ${r + 1}: bare ${show(bareOne)}, OFREP ${show(ours)}${baselineBase ? `, baseline ${show(baselineOne)}` : ''}; load ${loads.at(-1)!.toFixed(1)}`);
    }
    const list = (xs: number[]): string => xs.map((x) => Math.round(x)).join(', ');
    const cpu = (x: One): string => `${median(x.cpuUs).toFixed(1)} µs`;
    const baselinePart = baselineBase ? `; baseline build ${Math.round(median(baselineOne.rps)).toLocaleString('en')}/s (${(median(baselineOne.rps) / median(bareOne.rps)).toFixed(2)}×; ${list(baselineOne.rps)}), CPU ${cpu(baselineOne)} per request` : '';
    report(`one connection, interleaved (median of ${repeats} × ${seconds} s, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}): OFREP rule flag ${Math.round(median(ours.rps)).toLocaleString('en')} evaluations/s, bare node:http answering the same body ${Math.round(median(bareOne.rps)).toLocaleString('en')}/s: ${(median(ours.rps) / median(bareOne.rps)).toFixed(2)}× (repeats: OFREP ${list(ours.rps)}; bare ${list(bareOne.rps)}); server CPU per request: OFREP ${cpu(ours)}, bare ${cpu(bareOne)}${baselinePart}`);
  };
  if (values.only === 'one') {
    // Only the interleaved one-connection comparison (bench/flags --only one): printed, not written.
    await oneConnection(true);
    return;
  }
  if (values.profile) {
    const r = await wrkAt(`${base}/ofrep/v1/evaluate/flags/rule`, 1);
    console.log(`profiled: ${Math.round(r.rps)} evaluations/s at one connection; the profile is written to ${values.profile} as the data plane exits`);
    return;
  }
  await oneConnection(false);
  for (const flag of ['rule', 'split']) {
    for (const conns of [1, 50]) {
      const rs = [];
      for (let r = 0; r < repeats; r++) rs.push(await wrkAt(`${base}/ofrep/v1/evaluate/flags/${flag}`, conns));
      report(`single evaluation over OFREP, ${flag === 'rule' ? 'rule' : 'fractional'} flag, ${conns} connection(s): ${Math.round(median(rs.map((r) => r.rps))).toLocaleString('en')} evaluations/s (median of ${repeats} × ${seconds} s; p50 ${median(rs.map((r) => r.p50Us)).toFixed(0)} µs; errors ${rs.reduce((a, r) => a + r.errors, 0)})`);
    }
  }

  // Bulk of 50 flags: wrk's latency at one connection (request out → answer in, so an upper bound
  // of the data plane's time; no If-None-Match, every answer is a 200 with 50 evaluations).
  const bulk = [];
  for (let r = 0; r < repeats; r++) bulk.push(await wrkAt(`${base}/ofrep/v1/evaluate/flags`, 1));
  report(`bulk evaluation of 50 flags, 1 connection, round trip: p50 ${(median(bulk.map((r) => r.p50Us)) / 1000).toFixed(3)} ms, p99 ${(median(bulk.map((r) => r.p99Us)) / 1000).toFixed(3)} ms (median of ${repeats} × ${seconds} s; ${Math.round(median(bulk.map((r) => r.rps))).toLocaleString('en')} requests/s; errors ${bulk.reduce((a, r) => a + r.errors, 0)})`);

  // Publish → served by both endpoints: the loopback port and /_sluice/ofrep on the environment's host.
  await client.request('PUT', '/routes/production.bench.localhost', { backends: [{ release: 'r1', weight: 100, instances: ['bench.production.web.r1.1'] }] });
  const clientKey = keys.key('client', 'bench', 'production');
  const served = async (version: number): Promise<boolean> => {
    const [a, b] = await Promise.all([
      fetch(`${base}/ofrep/v1/evaluate/flags/banner`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` }, body: '{"context":{}}' }).then((r) => r.json() as Promise<{ value: string }>),
      new Promise<{ value: string }>((ok, fail) => {
        const req = http.request({ port: routerPort, host: '127.0.0.1', method: 'POST', path: '/_sluice/ofrep/v1/evaluate/flags/banner', headers: { host: 'production.bench.localhost', 'content-type': 'application/json', authorization: `Bearer ${clientKey}` } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => ok(JSON.parse(text) as { value: string }));
        });
        req.on('error', fail);
        req.end('{"context":{}}');
      }),
    ]);
    return a.value === `v${version}` && b.value === `v${version}`;
  };
  const publishMs: number[] = [];
  let stale = 0;
  for (let v = 2; v < 202; v++) {
    const t0 = performance.now();
    await publisher.publish(fiftyFlags(v, `v${v}`));
    const returned = performance.now();
    if (!(await served(v))) stale++;
    publishMs.push(returned - t0);
  }
  report(`flag change → served everywhere (publish over the control socket until both endpoints serve it, 200 changes): p50 ${median(publishMs).toFixed(2)} ms, p99 ${quantile(publishMs, 0.99).toFixed(2)} ms; stale answers right after publish returned: ${stale}`);

  // The rollout part's store counts this environment's versions from 1: the data plane would keep
  // them out behind version 201 of the part above.
  await client.request('DELETE', '/flags/bench/production');
  report(await failingCohortOff(publisher, base, serverKey, 15));

  const header = `# bench/flags, ${new Date().toISOString()}\n\n- machine: ${machine()}; load average at start ${load0.toFixed(1)}, at end ${os.loadavg()[0]!.toFixed(1)}\n`;
  prependResults(path.join(import.meta.dirname, 'RESULTS-flags.md'), `${header}${lines.map((l) => `- ${l}`).join('\n')}\n`);
}

await benchMain('bench/flags', 10 * 60_000, main);
