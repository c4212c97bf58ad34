// Benchmark: the edge router terminating TLS vs nginx terminating TLS with the same certificate
// (P-256, made here with openssl), both proxying HTTP/1.1 to the same two node backends:
// HTTPS throughput (wrk, keep-alive), new TLS connections per second (wrk, Connection: close,
// each a full handshake: no-resume-preload.ts; openssl s_time sends no SNI), the same with the
// sessions wrk resumes, p50 added over TLS vs plain HTTP direct to a backend, HTTP/2 throughput
// (h2load), and certificate swaps under load (keep-alive and connection-per-request clients).
// The router is the data plane as installed (router-https-dataplane.ts); both servers must
// negotiate the same TLS version, cipher and key-exchange group with the load tools' OpenSSL.
// Beside them, on throughput and p50, the floor: the least Node.js TLS proxy (router-https-floor.ts).
// Host: localhost.
// `--dp-flags="<flags>"` (repeatable): a trial of other Node/V8 flags for the data plane; each is a
// second data plane (its own instances) measured interleaved with the installed one on keep-alive
// throughput and full handshakes (server CPU per request and per connection), with each data
// plane's RSS idle before the load and 10 s after it; printed only (the results file stays the
// installed figures).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DATA_PLANE_NODE_FLAGS } from '../src/server/ensure-data-plane.ts';
import { certKit } from '../test/router/tls-cert-kit.ts';
import { prependResults } from './bench-kit.ts';
import { noResumePreload } from './no-resume-preload.ts';
import { settledRssMiB } from './preview-density-kit.ts';
import { startBenchDataPlane } from './router-https-dataplane.ts';
import { startFloorProxy } from './router-https-floor.ts';
import { clockTicks, cpuTicks, freePort, Procs, sleep } from './router-procs.ts';
import { runNginx } from './router-targets.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    swaps: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
    'dp-flags': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log('bench/router-https [--seconds 5] [--connections 50] [--swaps 20] [--repeats 3] [--dp-flags="<node flags>"]... (with =: the value starts with a dash)');
  process.exit(0);
}
const seconds = Number(opts.seconds);
const connections = Number(opts.connections);
const swaps = Number(opts.swaps);
const repeats = Number(opts.repeats);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const procs = new Procs();
const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-https-'));
const certs = certKit();

const wrkScript = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

/** Output of a load tool; one that runs 30 s past its own duration is killed (a hung client must not hang the bench). */
function capture(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((ok, fail) => {
    const child = procs.spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('close', () => clearTimeout(timer));
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? ok(out) : fail(new Error(`${command} exited ${code}:\n${out.slice(-2000)}`))));
  });
}

interface WrkResult {
  rps: number;
  p50Us: number;
  errors: number;
  requests: number;
}

async function wrk(url: string, conns: number, secs: number, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<WrkResult> {
  const out = await capture('wrk', ['-t1', `-c${conns}`, `-d${secs}s`, '--timeout', '5s', '-s', join(tmp, 'done.lua'), ...extra, url], env);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const [requests, durationUs, errors, p50] = line.slice(7).split(' ').map(Number) as [number, number, number, number];
  return { rps: requests / (durationUs / 1e6), p50Us: p50, errors, requests };
}

type Served = WrkResult & { cpuUs: number };
type Hs = { rate: number; errors: number; cpuUs: number };

/** A wrk run and the server's CPU time per request (robust on a shared machine). */
async function served(url: string, serverPid: number, conns: number, secs: number, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<Served> {
  const before = cpuTicks(serverPid);
  const r = await wrk(url, conns, secs, extra, env);
  const after = cpuTicks(serverPid);
  const ticks = after.user + after.sys - before.user - before.sys;
  return { ...r, cpuUs: r.requests ? ((ticks / clockTicks) * 1e6) / r.requests : 0 };
}

/**
 * New TLS connections per second, one request each (wrk with Connection: close), and the server's
 * CPU time per connection. `preload`: the no-resumption library (every connection a full
 * handshake); without it wrk resumes where the server lets it.
 */
async function handshakes(url: string, serverPid: number, secs: number, preload: string | undefined): Promise<Hs> {
  const r = await served(url, serverPid, connections, secs, ['-H', 'Connection: close'], preload ? { ...process.env, LD_PRELOAD: preload } : undefined);
  return { rate: r.rps, errors: r.errors, cpuUs: r.cpuUs };
}

/** What openssl s_client (the load tools' OpenSSL, its defaults, SNI, no ALPN like wrk) negotiates: version, cipher, key-exchange group. */
async function negotiated(port: number): Promise<string> {
  const out = await capture('sh', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>&1`]);
  const cipher = /New, (\S+), Cipher is (\S+)/.exec(out);
  const group = /(?:Server Temp Key|Negotiated TLS1\.3 group): (\w+)/.exec(out);
  if (!cipher) throw new Error(`openssl s_client negotiated nothing with port ${port}:\n${out.slice(-1500)}`);
  return `${cipher[1]} ${cipher[2]} ${group?.[1] ?? '?'}`;
}
type H2 = { rps: number; failed: number; protocol: string };

async function h2(port: number, secs: number, conns: number): Promise<H2> {
  // A request count, not -D: stopped mid-flight, h2load waits for sessions whose streams it no longer reads.
  const out = await capture('h2load', ['-c', String(conns), '-m', '10', '-n', String(secs * 2500), `https://localhost:${port}/`]);
  const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const failed = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out);
  const protocol = /Application protocol: (\S+)/.exec(out)?.[1] ?? '?';
  if (!rps || !failed) throw new Error(`h2load printed no result:\n${out.slice(-1500)}`);
  return { rps: Number(rps[1]), failed: Number(failed[1]), protocol };
}

async function startNginxTls(backendPorts: number[], cert: { certFile: string; keyFile: string }): Promise<{ pid: number; port: number; version: string } | undefined> {
  const port = await freePort();
  const dir = join(tmp, 'nginx');
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream b { ${backendPorts.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    server_name localhost;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_tickets on;
    location / {
      proxy_pass http://b;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  return runNginx(procs, dir, conf, port);
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0] ?? 0;
  writeFileSync(join(tmp, 'done.lua'), wrkScript);
  const first = certs.leaf('localhost-1', ['localhost']);
  const second = certs.leaf('localhost-2', ['localhost']);
  const preload = noResumePreload(tmp);
  const dp = await startBenchDataPlane(procs, repoRoot, tmp, 'localhost', first);
  const trials = [];
  for (const [i, flags] of opts['dp-flags'].entries()) {
    const dir = join(tmp, `trial-${i}`);
    mkdirSync(dir);
    const nodeFlags = flags.split(/\s+/).filter(Boolean);
    const trial = await startBenchDataPlane(procs, repoRoot, dir, 'localhost', first, nodeFlags);
    trials.push({ flags: nodeFlags, pid: trial.pid, url: `https://localhost:${trial.httpsPort}/` });
  }
  const nginx = await startNginxTls(dp.backendPorts, first);
  const floor = await startFloorProxy(procs, tmp, first, dp.backendPorts);
  const floorUrl = `https://localhost:${floor.port}/`;
  const sluiceUrl = `https://localhost:${dp.httpsPort}/`;
  const nginxUrl = nginx ? `https://localhost:${nginx.port}/` : undefined;
  const directUrl = `http://127.0.0.1:${dp.backendPorts[0]}/`;
  // An unequal negotiation (version, cipher, group) would compare different work.
  const tls = { sluice: await negotiated(dp.httpsPort), nginx: nginx ? await negotiated(nginx.port) : undefined };
  if (tls.nginx !== undefined && tls.nginx !== tls.sluice) throw new Error(`the servers negotiate differently: sluice ${tls.sluice}, nginx ${tls.nginx}`);
  const dataPlanes = [{ flags: DATA_PLANE_NODE_FLAGS, pid: dp.pid, url: sluiceUrl }, ...trials];
  const idleRss = trials.length ? await Promise.all(dataPlanes.map((d) => settledRssMiB(d.pid))) : [];
  // Warm-up: JIT, upstream pools, session caches (2 s each: a cold router under load is far slower for a while).
  for (const url of [sluiceUrl, nginxUrl, floorUrl, ...trials.map((t) => t.url)]) if (url) await wrk(url, connections, 2);

  // Interleaved repeats; each figure is the median of its repeats (the machine is shared).
  type Run = { tput: [Served, Served?]; floor: { tput: Served; lat: WrkResult }; lat: [WrkResult, WrkResult, WrkResult?]; hs: [Hs, Hs?]; resumed: [Hs, Hs?]; h2: [H2, H2?]; trials: Array<{ tput: Served; hs: Hs }> };
  const runs: Run[] = [];
  for (let i = 0; i < repeats; i++) {
    // Trials in a rotating order (a position in the sequence must not favour one).
    const trialRuns: Run['trials'] = new Array<Run['trials'][number]>(trials.length);
    for (let k = 0; k < trials.length; k++) {
      const j = (k + i) % trials.length;
      const t = trials[j]!;
      trialRuns[j] = { tput: await served(t.url, t.pid, connections, seconds), hs: await handshakes(t.url, t.pid, seconds, preload) };
    }
    const run: Run = {
      trials: trialRuns,
      tput: [await served(sluiceUrl, dp.pid, connections, seconds), nginx && nginxUrl ? await served(nginxUrl, nginx.pid, connections, seconds) : undefined],
      lat: [await wrk(directUrl, 1, seconds), await wrk(sluiceUrl, 1, seconds), nginxUrl ? await wrk(nginxUrl, 1, seconds) : undefined],
      floor: { tput: await served(floorUrl, floor.pid, connections, seconds), lat: await wrk(floorUrl, 1, seconds) },
      hs: [await handshakes(sluiceUrl, dp.pid, seconds, preload), nginx && nginxUrl ? await handshakes(nginxUrl, nginx.pid, seconds, preload) : undefined],
      resumed: [await handshakes(sluiceUrl, dp.pid, seconds, undefined), nginx && nginxUrl ? await handshakes(nginxUrl, nginx.pid, seconds, undefined) : undefined],
      h2: [await h2(dp.httpsPort, seconds, connections), nginx ? await h2(nginx.port, seconds, connections) : undefined],
    };
    runs.push(run);
    console.log(
      `  repeat ${i + 1}/${repeats} (load ${(loadavg()[0] ?? 0).toFixed(1)}): https ${Math.round(run.tput[0].rps)}/${Math.round(run.tput[1]?.rps ?? 0)} req/s, new conns ${Math.round(run.hs[0].rate)}/${Math.round(run.hs[1]?.rate ?? 0)}/s ` +
        `(${Math.round(run.hs[0].cpuUs)}/${Math.round(run.hs[1]?.cpuUs ?? 0)} µs cpu each), resumable ${Math.round(run.resumed[0].rate)}/${Math.round(run.resumed[1]?.rate ?? 0)}/s, ` +
        `p50 ${run.lat[0].p50Us}/${run.lat[1].p50Us}/${run.lat[2]?.p50Us ?? 0} µs, floor ${Math.round(run.floor.tput.rps)} req/s (${Math.round(run.floor.tput.cpuUs)} µs cpu each) p50 ${run.floor.lat.p50Us} µs, h2 ${Math.round(run.h2[0].rps)}/${Math.round(run.h2[1]?.rps ?? 0)} req/s (sluice/nginx)` +
        run.trials.map((t, j) => `; trial ${j + 1}: https ${Math.round(t.tput.rps)} req/s (${Math.round(t.tput.cpuUs)} µs cpu each), new conns ${Math.round(t.hs.rate)}/s (${Math.round(t.hs.cpuUs)} µs cpu each)`).join(''),
    );
  }
  // Resident memory 10 s after the load (the young generation's growth is not given back).
  if (trials.length) await sleep(10_000);
  const afterRss = trials.length ? await Promise.all(dataPlanes.map((d) => settledRssMiB(d.pid))) : [];
  const med = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
  };
  const opt = (xs: Array<number | undefined>): number | undefined => (xs.every((x) => x !== undefined) && xs.length ? med(xs) : undefined);
  const sumErr = (xs: Array<{ errors: number } | undefined>): number => xs.reduce((n, x) => n + (x?.errors ?? 0), 0);
  const tput = {
    sluice: med(runs.map((r) => r.tput[0].rps)),
    nginx: opt(runs.map((r) => r.tput[1]?.rps)),
    cpu: [med(runs.map((r) => r.tput[0].cpuUs)), opt(runs.map((r) => r.tput[1]?.cpuUs))] as const,
    errors: [sumErr(runs.map((r) => r.tput[0])), sumErr(runs.map((r) => r.tput[1]))],
  };
  const floorFig = { rps: med(runs.map((r) => r.floor.tput.rps)), cpu: med(runs.map((r) => r.floor.tput.cpuUs)), p50: med(runs.map((r) => r.floor.lat.p50Us)), errors: sumErr(runs.map((r) => r.floor.tput)) };
  const lat = { direct: med(runs.map((r) => r.lat[0].p50Us)), sluice: med(runs.map((r) => r.lat[1].p50Us)), nginx: opt(runs.map((r) => r.lat[2]?.p50Us)) };
  const conns = (pick: (r: Run) => [Hs, Hs?]) => ({
    sluice: med(runs.map((r) => pick(r)[0].rate)),
    nginx: opt(runs.map((r) => pick(r)[1]?.rate)),
    cpu: [med(runs.map((r) => pick(r)[0].cpuUs)), opt(runs.map((r) => pick(r)[1]?.cpuUs))] as const,
    errors: [sumErr(runs.map((r) => pick(r)[0])), sumErr(runs.map((r) => pick(r)[1]))],
  });
  const hs = conns((r) => r.hs);
  const resumed = conns((r) => r.resumed);
  const http2 = {
    sluice: med(runs.map((r) => r.h2[0].rps)),
    nginx: opt(runs.map((r) => r.h2[1]?.rps)),
    failed: runs.reduce((n, r) => n + r.h2[0].failed, 0),
    protocol: runs[0]?.h2[0].protocol ?? '?',
  };

  // Swaps under load: keep-alive clients and connection-per-request clients (a handshake each).
  const swapEvery = Math.max(50, Math.floor((seconds * 1000) / (swaps + 1)));
  const keepAlive = wrk(sluiceUrl, connections - 10, seconds);
  const fresh = wrk(sluiceUrl, 10, seconds, ['-H', 'Connection: close']);
  await sleep(swapEvery);
  for (let i = 0; i < swaps; i++) {
    const cert = i % 2 === 0 ? second : first;
    await dp.client.putCertificate('bench', { hosts: ['localhost'], certificatePem: cert.certificatePem, keyPem: cert.keyPem });
    await sleep(swapEvery);
  }
  const [ka, fr] = await Promise.all([keepAlive, fresh]);

  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ratio = (x: number, y: number | undefined): string => (y ? `${(x / y).toFixed(2)}×` : 'n/a');
  const cpu = (c: readonly [number, number | undefined]): string => `server CPU per connection ${f(c[0])} vs ${c[1] === undefined ? 'n/a' : f(c[1])} µs`;
  const lines = [
    `machine: ${availableParallelism()} cpu (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, nginx ${nginx?.version ?? 'absent'} (worker_processes 1), load average ${loadStart.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}; median of ${repeats} interleaved repeats of ${seconds} s`,
    `sluice: the data plane as installed (node ${DATA_PLANE_NODE_FLAGS.join(' ')} bin/sluice.js dataplane, bundled build); both negotiate ${tls.sluice} (openssl s_client, no ALPN as wrk)`,
    `HTTPS throughput, ${connections} keep-alive conns (wrk): sluice ${f(tput.sluice)} req/s, nginx ${tput.nginx ? f(tput.nginx) : 'n/a'} → ${ratio(tput.sluice, tput.nginx)}; server CPU per request ${f(tput.cpu[0])} vs ${tput.cpu[1] === undefined ? 'n/a' : f(tput.cpu[1])} µs (errors ${tput.errors.join('/')})`,
    `new TLS connections/s, a full handshake + 1 request each (wrk -c ${connections}, Connection: close, ${preload ? 'no session resumption' : 'SESSIONS RESUMED: no C compiler for the preload'}): sluice ${f(hs.sluice)}, nginx ${hs.nginx ? f(hs.nginx) : 'n/a'} → ${ratio(hs.sluice, hs.nginx)}; ${cpu(hs.cpu)} (errors ${hs.errors.join('/')})`,
    `the same with the sessions wrk resumes (nginx resumes every connection, Node on TLS 1.3 every other): sluice ${f(resumed.sluice)}, nginx ${resumed.nginx ? f(resumed.nginx) : 'n/a'} → ${ratio(resumed.sluice, resumed.nginx)}; ${cpu(resumed.cpu)} (errors ${resumed.errors.join('/')})`,
    `p50, 1 conn: direct http ${lat.direct} µs, sluice https ${lat.sluice} µs (+${(lat.sluice - lat.direct).toFixed(0)} µs), nginx https ${lat.nginx ?? 'n/a'} µs (+${lat.nginx === undefined ? 'n/a' : (lat.nginx - lat.direct).toFixed(0)} µs)`,
    `the floor, the least Node.js TLS proxy (node:http2 allowHTTP1 + undici Pool, no routing, the data plane's flags, same certificate and instances): ${f(floorFig.rps)} req/s → ${ratio(floorFig.rps, tput.nginx)} nginx, server CPU per request ${f(floorFig.cpu)} µs (the data plane ${ratio(tput.cpu[0], floorFig.cpu)} of it); p50 ${floorFig.p50} µs (+${(floorFig.p50 - lat.direct).toFixed(0)} µs over direct; the data plane ${lat.sluice - floorFig.p50 >= 0 ? '+' : ''}${(lat.sluice - floorFig.p50).toFixed(0)} µs over the floor) (errors ${floorFig.errors})`,
    `HTTP/2 (h2load -c ${connections} -m 10 -n ${seconds * 2500}): sluice ${f(http2.sluice)} req/s (${http2.protocol}, ${http2.failed} failed), nginx ${http2.nginx ? f(http2.nginx) : 'n/a'} req/s → ${ratio(http2.sluice, http2.nginx)}`,
    `${swaps} certificate swaps under load (PUT /certificates on the data plane's socket): keep-alive ${f(ka.requests)} requests ${ka.errors} failed; connection-per-request ${f(fr.requests)} requests ${fr.errors} failed`,
  ];
  const mibs = (xs: number[], i: number): string => (xs[i] === undefined ? 'n/a' : `${xs[i].toFixed(1)} MiB`);
  for (const [j, t] of trials.entries()) {
    const tp = { rps: med(runs.map((r) => r.trials[j]!.tput.rps)), cpu: med(runs.map((r) => r.trials[j]!.tput.cpuUs)), errors: sumErr(runs.map((r) => r.trials[j]!.tput)) };
    const h = { rate: med(runs.map((r) => r.trials[j]!.hs.rate)), cpu: med(runs.map((r) => r.trials[j]!.hs.cpuUs)), errors: sumErr(runs.map((r) => r.trials[j]!.hs)) };
    const pct = (x: number, y: number): string => `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(0)} %`;
    lines.push(
      `trial ${j + 1}, data plane with \`${t.flags.join(' ')}\` (vs installed, same run): HTTPS throughput ${f(tp.rps)} req/s → ${ratio(tp.rps, tput.nginx)} nginx (installed ${ratio(tput.sluice, tput.nginx)}), server CPU per request ${f(tp.cpu)} vs ${f(tput.cpu[0])} µs (${pct(tp.cpu, tput.cpu[0])}); ` +
        `full handshakes ${f(h.rate)}/s → ${ratio(h.rate, hs.nginx)} nginx (installed ${ratio(hs.sluice, hs.nginx)}), server CPU per connection ${f(h.cpu)} vs ${f(hs.cpu[0])} µs (${pct(h.cpu, hs.cpu[0])}) → ${ratio(hs.cpu[1] ?? 0, h.cpu)} nginx by CPU (installed ${ratio(hs.cpu[1] ?? 0, hs.cpu[0])}); ` +
        `RSS idle before the load ${mibs(idleRss, j + 1)} vs ${mibs(idleRss, 0)}, 10 s after it ${mibs(afterRss, j + 1)} vs ${mibs(afterRss, 0)} (errors ${tp.errors}/${h.errors})`,
    );
  }
  console.log(lines.join('\n'));
  if (trials.length) return;
  prependResults(join(repoRoot, 'bench/RESULTS-router-https.md'), `# bench/router-https, ${new Date().toISOString()}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(`bench/router-https failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
}
await procs.stopAll();
certs.cleanup();
rmSync(tmp, { recursive: true, force: true });
const left = procs.leftovers();
if (left.length) {
  console.error(`processes still present: ${left.join(', ')}`);
  exitCode = 1;
}
process.exit(exitCode);
