// Benchmark: the edge router terminating TLS vs nginx terminating TLS with the same certificate
// (P-256, made here with openssl), both proxying HTTP/1.1 to the same two node backends:
// HTTPS throughput (wrk, keep-alive), new TLS connections per second (wrk, Connection: close;
// openssl s_time sends no SNI),
// p50 added over TLS vs plain HTTP direct to a backend, HTTP/2 throughput (h2load), and
// certificate swaps under load (keep-alive and connection-per-request clients). Host: localhost.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { certKit } from '../test/router/tls-cert-kit.ts';
import { freePort, nextMessage, Procs, sleep } from './router-procs.ts';
import { runNginx, startBackend, type Proc } from './router-targets.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    swaps: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log('bench/router-https [--seconds 5] [--connections 50] [--swaps 20] [--repeats 3]');
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
function capture(command: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = procs.spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function wrk(url: string, conns: number, secs: number, extra: string[] = []): Promise<WrkResult> {
  const out = await capture('wrk', ['-t1', `-c${conns}`, `-d${secs}s`, '--timeout', '5s', '-s', join(tmp, 'done.lua'), ...extra, url]);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const [requests, durationUs, errors, p50] = line.slice(7).split(' ').map(Number) as [number, number, number, number];
  return { rps: requests / (durationUs / 1e6), p50Us: p50, errors, requests };
}

/** New TLS connections per second, each a full handshake and one request (wrk with Connection: close; it keeps no sessions). */
async function handshakes(url: string, secs: number): Promise<{ rate: number; errors: number }> {
  const r = await wrk(url, connections, secs, ['-H', 'Connection: close']);
  return { rate: r.rps, errors: r.errors };
}

type Hs = { rate: number; errors: number };
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

async function startNginxTls(backends: Proc[], cert: { certFile: string; keyFile: string }): Promise<{ port: number; version: string } | undefined> {
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
  upstream b { ${backends.map((b) => `server 127.0.0.1:${b.port};`).join(' ')} keepalive 64; keepalive_requests 1000000; }
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
  const a = await startBackend(procs, 'a');
  const b = await startBackend(procs, 'b');
  const child = procs.spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/router-https-child.ts'), first.certFile, first.keyFile, String(a.port), String(b.port)], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await nextMessage(child, (m) => ((m as { type?: string }).type === 'ready' ? (m as { port: number; httpsPort: number }) : undefined), 15_000);
  const nginx = await startNginxTls([a, b], first);
  const sluiceUrl = `https://localhost:${ready.httpsPort}/`;
  const nginxUrl = nginx ? `https://localhost:${nginx.port}/` : undefined;
  const directUrl = `http://127.0.0.1:${a.port}/`;
  // Warm-up: JIT, upstream pools, session caches (2 s each: a cold router under load is far slower for a while).
  for (const url of [sluiceUrl, nginxUrl]) if (url) await wrk(url, connections, 2);

  // Interleaved repeats; each figure is the median of its repeats (the machine is shared).
  const runs: Array<{ tput: [WrkResult, WrkResult?]; lat: [WrkResult, WrkResult, WrkResult?]; hs: [Hs, Hs?]; h2: [H2, H2?] }> = [];
  for (let i = 0; i < repeats; i++) {
    const run = {
      tput: [await wrk(sluiceUrl, connections, seconds), nginxUrl ? await wrk(nginxUrl, connections, seconds) : undefined] as [WrkResult, WrkResult?],
      lat: [await wrk(directUrl, 1, seconds), await wrk(sluiceUrl, 1, seconds), nginxUrl ? await wrk(nginxUrl, 1, seconds) : undefined] as [WrkResult, WrkResult, WrkResult?],
      hs: [await handshakes(sluiceUrl, seconds), nginxUrl ? await handshakes(nginxUrl, seconds) : undefined] as [Hs, Hs?],
      h2: [await h2(ready.httpsPort, seconds, connections), nginx ? await h2(nginx.port, seconds, connections) : undefined] as [H2, H2?],
    };
    runs.push(run);
    console.log(`  repeat ${i + 1}/${repeats}: https ${Math.round(run.tput[0].rps)}/${Math.round(run.tput[1]?.rps ?? 0)} req/s, new conns ${Math.round(run.hs[0].rate)}/${Math.round(run.hs[1]?.rate ?? 0)}/s, p50 ${run.lat[0].p50Us}/${run.lat[1].p50Us}/${run.lat[2]?.p50Us ?? 0} µs, h2 ${Math.round(run.h2[0].rps)}/${Math.round(run.h2[1]?.rps ?? 0)} req/s (sluice/nginx)`);
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
  };
  const opt = (xs: Array<number | undefined>): number | undefined => (xs.every((x) => x !== undefined) && xs.length ? med(xs) : undefined);
  const sumErr = (xs: Array<{ errors: number } | undefined>): number => xs.reduce((n, x) => n + (x?.errors ?? 0), 0);
  const tput = { sluice: med(runs.map((r) => r.tput[0].rps)), nginx: opt(runs.map((r) => r.tput[1]?.rps)), errors: [sumErr(runs.map((r) => r.tput[0])), sumErr(runs.map((r) => r.tput[1]))] };
  const lat = { direct: med(runs.map((r) => r.lat[0].p50Us)), sluice: med(runs.map((r) => r.lat[1].p50Us)), nginx: opt(runs.map((r) => r.lat[2]?.p50Us)) };
  const hs = { sluice: med(runs.map((r) => r.hs[0].rate)), nginx: opt(runs.map((r) => r.hs[1]?.rate)), errors: [sumErr(runs.map((r) => r.hs[0])), sumErr(runs.map((r) => r.hs[1]))] };
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
    child.send({ type: 'swap', id: i, certFile: cert.certFile, keyFile: cert.keyFile });
    await nextMessage(child, (m) => ((m as { type?: string; id?: number }).id === i ? true : undefined), 5000);
    await sleep(swapEvery);
  }
  const [ka, fr] = await Promise.all([keepAlive, fresh]);

  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ratio = (x: number, y: number | undefined): string => (y ? `${(x / y).toFixed(2)}×` : 'n/a');
  const lines = [
    `machine: ${availableParallelism()} cpu (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}, nginx ${nginx?.version ?? 'absent'} (worker_processes 1), load average ${loadStart.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}; median of ${repeats} interleaved repeats of ${seconds} s`,
    `HTTPS throughput, ${connections} keep-alive conns (wrk): sluice ${f(tput.sluice)} req/s, nginx ${tput.nginx ? f(tput.nginx) : 'n/a'} → ${ratio(tput.sluice, tput.nginx)} (errors ${tput.errors.join('/')})`,
    `new TLS connections/s, a full handshake + 1 request each (wrk -c ${connections}, Connection: close): sluice ${f(hs.sluice)}, nginx ${hs.nginx ? f(hs.nginx) : 'n/a'} → ${ratio(hs.sluice, hs.nginx)} (errors ${hs.errors.join('/')})`,
    `p50, 1 conn: direct http ${lat.direct} µs, sluice https ${lat.sluice} µs (+${(lat.sluice - lat.direct).toFixed(0)} µs), nginx https ${lat.nginx ?? 'n/a'} µs (+${lat.nginx === undefined ? 'n/a' : (lat.nginx - lat.direct).toFixed(0)} µs)`,
    `HTTP/2 (h2load -c ${connections} -m 10 -n ${seconds * 2500}): sluice ${f(http2.sluice)} req/s (${http2.protocol}, ${http2.failed} failed), nginx ${http2.nginx ? f(http2.nginx) : 'n/a'} req/s → ${ratio(http2.sluice, http2.nginx)}`,
    `${swaps} certificate swaps under load: keep-alive ${f(ka.requests)} requests ${ka.errors} failed; connection-per-request ${f(fr.requests)} requests ${fr.errors} failed`,
  ];
  console.log(lines.join('\n'));
  writeFileSync(join(repoRoot, 'bench/RESULTS-router-https.md'), `# bench/router-https, ${new Date().toISOString()}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
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
