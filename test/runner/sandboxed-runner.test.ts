// LocalRunner with the sandbox on: what a step sees, its limits named when crossed, no
// network when asked, and its whole process tree (setsid included) ending with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalRunner } from '../../src/runner/local/local-runner.ts';
import type { StepRequest, StepResult } from '../../src/runner/runner.ts';
import { openSandbox } from '../../src/sandbox/open-sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from '../../src/sandbox/sandbox-limits.ts';
import { waitFor } from './proc-helpers.ts';

const PATH = '/usr/local/bin:/usr/bin:/bin';

async function sandboxedRunner(): Promise<LocalRunner> {
  return new LocalRunner({ sandbox: await openSandbox(PATH), killGraceMs: 500 });
}

interface Captured {
  result: StepResult;
  out: string[];
}

async function runIn(runner: LocalRunner, workspace: string, command: string, extra: Partial<StepRequest> & { limits?: Partial<SandboxLimits>; network?: boolean } = {}): Promise<Captured> {
  const out: string[] = [];
  const cwd = path.join(workspace, 'src');
  fs.mkdirSync(cwd, { recursive: true });
  const { limits, network, ...rest } = extra;
  const result = await runner.run({
    command,
    cwd,
    env: { PATH, TMPDIR: path.join(workspace, 'tmp'), HOME: '/root', SECRET_DIR: path.join(workspace, 'tmp', 'secrets') },
    timeoutMs: 60_000,
    confinement: { workspace, network: network ?? true, limits: { ...DEFAULT_SANDBOX_LIMITS, ...limits } },
    onLine: (_stream, line) => out.push(line),
    ...rest,
  });
  return { result, out };
}

function workspace(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'sluice-ws-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Host pids whose argv is exactly `argv`. */
function hostProcesses(argv: string[]): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') === `${argv.join('\0')}\0`) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

void test('a sandboxed step sees its workspace at /workspace, host paths in its env mapped, a private /tmp, and nothing of the host around it', async (t) => {
  const runner = await sandboxedRunner();
  const ws = workspace(t);
  fs.mkdirSync(path.join(ws, 'src'));
  fs.writeFileSync(path.join(ws, 'src', 'hello'), 'hi\n');
  const c = await runIn(runner, ws, 'pwd; echo "tmp=$TMPDIR home=$HOME secrets=$SECRET_DIR"; cat hello; echo made > made; id -u; test -e ' + JSON.stringify(ws) + ' && echo HOST-PATH-VISIBLE; ls /tmp | wc -l');
  assert.equal(c.result.outcome, 'succeeded', c.out.join('\n'));
  assert.equal(c.out[0], '/workspace/src');
  assert.equal(c.out[1], 'tmp=/workspace/tmp home=/tmp secrets=/workspace/tmp/secrets');
  assert.equal(c.out[2], 'hi');
  if (process.getuid?.() === 0) assert.notEqual(c.out[3], '0', 'the step runs as root');
  assert.ok(!c.out.includes('HOST-PATH-VISIBLE'));
  assert.equal(c.out[4], '0', 'the private /tmp starts empty');
  assert.equal(fs.readFileSync(path.join(ws, 'src', 'made'), 'utf8'), 'made\n');
});

void test('a setsid grandchild does not outlive the step\'s timeout', async (t) => {
  const runner = await sandboxedRunner();
  const ws = workspace(t);
  // A number no other process uses as its sleep length: how the grandchild is found on the host.
  const marker = ['sleep', `${4000 + Math.floor(Math.random() * 1000)}.25`];
  const c = await runIn(runner, ws, `setsid ${marker.join(' ')} & echo started; sleep 300`, { timeoutMs: 3000 });
  // The step has ended by its timeout; its grandchild must be gone too (with the PID namespace).
  assert.equal(c.result.outcome, 'timed_out');
  assert.ok(c.out.includes('started'));
  const seen = await waitFor(() => hostProcesses(marker).length === 0, 10_000);
  assert.ok(seen, `the setsid grandchild ${marker.join(' ')} still runs: ${hostProcesses(marker).join(', ')}`);
});

void test('the setsid grandchild is really there while the step runs (the test above can fail)', async (t) => {
  const runner = await sandboxedRunner();
  const ws = workspace(t);
  const marker = ['sleep', `${5000 + Math.floor(Math.random() * 1000)}.75`];
  const ac = new AbortController();
  const run = runIn(runner, ws, `setsid ${marker.join(' ')} & sleep 300`, { signal: ac.signal });
  assert.ok(await waitFor(() => hostProcesses(marker).length === 1, 20_000), 'the grandchild never started');
  ac.abort();
  assert.equal((await run).result.outcome, 'cancelled');
  assert.ok(await waitFor(() => hostProcesses(marker).length === 0, 10_000), 'the grandchild outlived the cancelled step');
});

void test('network: false cuts a step off the host network; the default keeps it', async (t) => {
  const runner = await sandboxedRunner();
  const ws = workspace(t);
  const server = http.createServer((_req, res) => res.end('reached'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const on = await runIn(runner, ws, `curl -sS --max-time 10 ${url}`);
  assert.equal(on.result.outcome, 'succeeded', on.out.join('\n'));
  assert.deepEqual(on.out, ['reached']);
  const off = await runIn(runner, ws, `curl -sS --max-time 10 ${url}`, { network: false });
  assert.equal(off.result.outcome, 'failed');
  assert.match(off.out.join('\n'), /Couldn't connect|Failed to connect|Connection refused/);
});

void test('crossing a limit fails the step and names the limit', async (t) => {
  const runner = await sandboxedRunner();
  const ws = workspace(t);
  const fileSize = await runIn(runner, ws, 'head -c 3000000 /dev/zero > big', { limits: { fileSizeBytes: 1024 ** 2 } });
  assert.equal(fileSize.result.outcome, 'failed');
  assert.equal(fileSize.result.signal, 'SIGXFSZ');
  assert.match(fileSize.result.reason ?? '', /file-size limit \(limits\.fileSize: 1MiB\)/);
  assert.ok(fs.statSync(path.join(ws, 'src', 'big')).size <= 1024 ** 2);

  const processes = await runIn(runner, ws, 'for i in $(seq 40); do sleep 5 & done; wait', { limits: { processes: 16 } });
  assert.equal(processes.result.outcome, 'failed', processes.out.join('\n'));
  assert.match(processes.result.reason ?? '', /process-count limit \(limits\.processes: 16\)/);

  const openFiles = await runIn(runner, ws, `node -e "const fs=require('fs'); for (let i=0;i<100;i++) fs.openSync('/workspace/src/hello-'+i,'w')"`, { limits: { openFiles: 32 } });
  assert.equal(openFiles.result.outcome, 'failed', openFiles.out.join('\n'));
  assert.match(openFiles.result.reason ?? '', /open-files limit \(limits\.openFiles: 32\)/);

  const memory = await runIn(runner, ws, `node -e "const a=[]; for (;;) a.push(Buffer.alloc(64*1024*1024, 1))"`, { limits: { memoryBytes: 1024 ** 3 } });
  assert.equal(memory.result.outcome, 'failed', memory.out.join('\n'));
  assert.match(memory.result.reason ?? '', /memory limit \(limits\.memory: 1GiB\)/, memory.out.slice(-5).join('\n'));

  // Within its limits the same kind of work succeeds: the failures above are the limits' doing.
  const fine = await runIn(runner, ws, 'head -c 3000000 /dev/zero > big && for i in $(seq 4); do sleep 0.1 & done; wait');
  assert.equal(fine.result.outcome, 'succeeded', fine.out.join('\n'));

  // The memory limit leaves V8's reserved address space alone: Node's fetch (a WebAssembly HTTP
  // parser, ~10 GiB of guard regions) runs under the default limits; it failed under RLIMIT_AS.
  const wasm = await runIn(runner, ws, `node -e "fetch('http://127.0.0.1:65500/').catch((e) => console.log('fetch ran:', String(e.cause && (e.cause.code || e.cause.message))))"`);
  assert.equal(wasm.result.outcome, 'succeeded', wasm.out.join('\n'));
  assert.ok(wasm.out.some((l) => l.includes('fetch ran: ECONNREFUSED')), wasm.out.join('\n'));
});
