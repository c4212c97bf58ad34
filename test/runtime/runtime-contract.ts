// One contract for the Runtime port, run against every implementation (the process runtime on
// a real data plane; the Kubernetes runtime on the simulated API server). The same instance
// program is given to both: the process runtime runs it; the simulated kubelet acts it out from
// its MODE (see kubeBehaviour in kubernetes-runtime.test.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { HealthCheck, InstanceInfo, InstanceRequest, Runtime } from '../../src/runtime/runtime.ts';
import { waitFor } from '../wait-for.ts';

/** The instance program: logs a line, then by MODE: serves (ok), serves a failing /healthz (sick), or exits 3 after an error line (crash). */
export const CONTRACT_APP = `
const http = require('node:http');
const mode = process.env.MODE || 'ok';
console.log('hello from the instance');
if (mode === 'crash') { console.error('Error: boom'); process.exit(3); }
const srv = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.statusCode = mode === 'sick' ? 500 : 200; return res.end(); }
  res.end('ok');
});
srv.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { srv.close(); process.exit(0); });
`;

export interface RuntimeHarness {
  runtime: Runtime;
  /** The project the instances belong to (environment `staging`). */
  project: string;
  /** What `prepare` needs for release N of that project and environment. */
  release(n: number): { key: string; artifactDigest: string };
  /** The command that runs CONTRACT_APP in the prepared release. */
  command: string;
}

export type OpenHarness = (t: TestContext) => Promise<RuntimeHarness>;

const health = (deadlineMs = 20_000): HealthCheck => ({ path: '/healthz', intervalMs: 100, timeoutMs: 500, deadlineMs });

function request(h: RuntimeHarness, workdir: string, n: number, index: number, over: Partial<InstanceRequest> = {}): InstanceRequest {
  return {
    id: `${h.project}.staging.web.r${n}.${index}`,
    workdir,
    command: h.command,
    env: { MODE: 'ok' },
    secretEnv: { TOKEN: `secret-of-r${n}` },
    health: health(),
    labels: { project: h.project, environment: 'staging', service: 'web', release: String(n) },
    ...over,
  };
}

const running = (list: InstanceInfo[], id: string): InstanceInfo | undefined => list.find((i) => i.id === id && i.state !== 'stopped');

export function describeRuntimeContract(name: string, open: OpenHarness): void {
  void test(`${name}: an instance starts, becomes ready, is listed with its labels, and stops`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(1));
    const req = request(h, workdir, 1, 1);
    await h.runtime.startInstance(req);
    await h.runtime.waitReady(req.id, 20_000);
    const listed = running(await h.runtime.listInstances(), req.id);
    assert.equal(listed?.state, 'ready');
    assert.equal(listed?.reason, null);
    assert.deepEqual(listed?.labels, req.labels);
    await h.runtime.stopInstance(req.id);
    assert.equal(running(await h.runtime.listInstances(), req.id), undefined);
  });

  void test(`${name}: starting the same id twice runs one instance`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(1));
    const req = request(h, workdir, 1, 1);
    await h.runtime.startInstance(req);
    await h.runtime.startInstance(req);
    await h.runtime.waitReady(req.id, 20_000);
    assert.equal((await h.runtime.listInstances()).filter((i) => i.id === req.id).length, 1);
    await h.runtime.stopInstance(req.id);
  });

  void test(`${name}: an instance that exits before it is ready fails with the exit code and its last error line`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(2));
    const req = request(h, workdir, 2, 1, { env: { MODE: 'crash' } });
    await h.runtime.startInstance(req);
    await assert.rejects(h.runtime.waitReady(req.id, 30_000), /failed: start command exited with code 3 before becoming ready: Error: boom/);
    const listed = running(await h.runtime.listInstances(), req.id);
    assert.equal(listed?.state, 'failed');
    assert.match(listed?.reason ?? '', /^start command exited with code 3 before becoming ready: Error: boom/);
    await h.runtime.stopInstance(req.id);
  });

  void test(`${name}: an instance whose health check never passes fails at its deadline`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(3));
    const req = request(h, workdir, 3, 1, { env: { MODE: 'sick' }, health: health(1500) });
    await h.runtime.startInstance(req);
    await assert.rejects(h.runtime.waitReady(req.id, 20_000), /failed: health check \/healthz did not pass within 1500 ms/);
    assert.equal(running(await h.runtime.listInstances(), req.id)?.state, 'failed');
    await h.runtime.stopInstance(req.id);
  });

  void test(`${name}: scale to zero and back: every instance stopped leaves none running; a start brings one back`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(4));
    const a = request(h, workdir, 4, 1);
    const b = request(h, workdir, 4, 2);
    await h.runtime.startInstance(a);
    await h.runtime.startInstance(b);
    await Promise.all([h.runtime.waitReady(a.id, 20_000), h.runtime.waitReady(b.id, 20_000)]);
    await Promise.all([h.runtime.stopInstance(a.id), h.runtime.stopInstance(b.id)]);
    const left = await h.runtime.listInstances();
    assert.equal(running(left, a.id) ?? running(left, b.id), undefined);
    await h.runtime.startInstance(a);
    await h.runtime.waitReady(a.id, 20_000);
    assert.equal(running(await h.runtime.listInstances(), a.id)?.state, 'ready');
    await h.runtime.stopInstance(a.id);
  });

  void test(`${name}: what an instance writes reaches its log file, and a release's files go with removeRelease`, async (t) => {
    const h = await open(t);
    const workdir = await h.runtime.prepare(h.release(5));
    const req = request(h, workdir, 5, 1);
    await h.runtime.startInstance(req);
    await h.runtime.waitReady(req.id, 20_000);
    const file = h.runtime.logFileOf(req.id);
    assert.ok(file);
    await waitFor('the instance line in its log file', async () => (await readFile(file, 'utf8').catch(() => '')).includes('hello from the instance'), 10_000);
    const record = JSON.parse((await readFile(file, 'utf8')).split('\n').find((l) => l.includes('hello from the instance'))!) as { ts: string; stream: string; line: string };
    assert.equal(record.line, 'hello from the instance');
    assert.ok(!Number.isNaN(Date.parse(record.ts)));
    await h.runtime.stopInstance(req.id);
    assert.equal(await h.runtime.removeRelease(h.release(5).key), true);
    assert.equal(await h.runtime.removeRelease(h.release(5).key), false);
  });
}
