// Pebble, Let's Encrypt's test ACME server, on loopback for a test: pebble-challtestsrv answers
// its DNS (every name → 127.0.0.1 unless a test says otherwise) and Pebble validates HTTP-01 on
// `httpPort`. Pebble's own HTTPS uses a certificate made here with openssl; its issuing root
// comes from its management interface. Every order gets fresh authorizations (PEBBLE_AUTHZREUSE=0),
// so each one goes through HTTP-01. Both processes are ended when the test ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { stopChild } from '../stop-child.ts';
import { freePort, tempDir } from './harness.ts';

export interface Pebble {
  directoryUrl: string;
  /** PEM that trusts Pebble's own HTTPS (for --acme-ca-bundle). */
  caBundleFile: string;
  caBundlePem: string;
  /** PEM of the root Pebble issues under (for TLS clients of issued certificates). */
  issuingRootPem: string;
  /** Makes Pebble's DNS answer `host` with these IPv4 addresses. */
  addA(host: string, addresses: string[]): Promise<void>;
  clearA(host: string): Promise<void>;
  /** Ends Pebble (its orders are lost, as with a CA that went away). */
  stop(): Promise<void>;
}

function request(url: string, opts: { method?: string; body?: string; ca?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { method: opts.method ?? 'GET', ca: opts.ca, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function waitUntil(what: string, ms: number, check: () => Promise<boolean>, log: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function track(t: TestContext, child: ChildProcess, name: string): { log: () => string; stop: () => Promise<void> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const stop = (): Promise<void> => stopChild(child, 3000);
  t.after(stop);
  return { log: () => `${name}:\n${out}`, stop };
}

/** `vaSleepSeconds`: Pebble waits that long before it validates a challenge (a window to stop a server mid-order); default none. */
export async function startPebble(t: TestContext, opts: { httpPort: number; vaSleepSeconds?: number }): Promise<Pebble> {
  const dir = tempDir('pebble');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  // Self-signed for 127.0.0.1: it is its own trust anchor, the bundle a client is given.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=pebble test server', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const [dnsPort, challMgmtPort, listenPort, mgmtPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const chall = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challMgmtPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const challLog = track(t, chall, 'pebble-challtestsrv');
  const challUrl = `http://127.0.0.1:${challMgmtPort}`;
  await waitUntil('pebble-challtestsrv answers', 10_000, async () => (await request(`${challUrl}/clear-a`, { method: 'POST', body: '{"host":"ready.test"}' })).status === 200, challLog.log);
  const config = { pebble: { listenAddress: `127.0.0.1:${listenPort}`, managementListenAddress: `127.0.0.1:${mgmtPort}`, certificate: certFile, privateKey: keyFile, httpPort: opts.httpPort, tlsPort: 0, ocspResponderURL: '', externalAccountBindingRequired: false } };
  const configFile = path.join(dir, 'pebble-config.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const pebble = spawn('pebble', ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict=false'], {
    cwd: dir,
    env: { ...process.env, ...(opts.vaSleepSeconds === undefined ? { PEBBLE_VA_NOSLEEP: '1' } : { PEBBLE_VA_SLEEPTIME: String(opts.vaSleepSeconds) }), PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pebbleLog = track(t, pebble, 'pebble');
  const caBundlePem = fs.readFileSync(certFile, 'utf8');
  const directoryUrl = `https://127.0.0.1:${listenPort}/dir`;
  await waitUntil('pebble serves its directory', 15_000, async () => (await request(directoryUrl, { ca: caBundlePem })).status === 200, pebbleLog.log);
  const root = await request(`https://127.0.0.1:${mgmtPort}/roots/0`, { ca: caBundlePem });
  if (root.status !== 200 || !root.body.includes('BEGIN CERTIFICATE')) throw new Error(`pebble's /roots/0 answered ${root.status}: ${root.body}`);
  const post = async (p: string, body: unknown): Promise<void> => {
    const r = await request(`${challUrl}${p}`, { method: 'POST', body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`pebble-challtestsrv ${p}: ${r.status} ${r.body}`);
  };
  return {
    directoryUrl,
    caBundleFile: certFile,
    caBundlePem,
    issuingRootPem: root.body,
    addA: (host, addresses) => post('/add-a', { host, addresses }),
    clearA: (host) => post('/clear-a', { host }),
    stop: pebbleLog.stop,
  };
}
