// bench/sandbox-start: what the sandbox adds to starting a step. The same one-line step
// (`true`) through LocalRunner, sandboxed (bubblewrap, as the server runs it) and unsandboxed
// (--sandbox none), interleaved in one run so both see the same machine load; medians and
// p90 of each, and the difference of the medians. A second pair runs `node -e 0` (a step that
// loads a real program). Options: --runs N (100).
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalRunner } from '../src/runner/local/local-runner.ts';
import { openSandbox } from '../src/sandbox/open-sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../src/sandbox/sandbox-limits.ts';
import { benchMain, machine, ms, summary } from './bench-kit.ts';

const runsArg = process.argv.indexOf('--runs');
const N = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 100;
const PATH = '/usr/local/bin:/usr/bin:/bin';

await benchMain('sandbox-start', 600_000, async (onCleanup) => {
  const workspace = fs.mkdtempSync(path.join(tmpdir(), 'sluice-bench-ws-'));
  onCleanup(() => fs.rmSync(workspace, { recursive: true, force: true }));
  fs.mkdirSync(path.join(workspace, 'src'));
  const sandbox = await openSandbox(PATH);
  const runners = { sandboxed: new LocalRunner({ sandbox }), unsandboxed: new LocalRunner({ sandbox: null }) };
  /** CPU time of waited-for children (cutime + cstime), in ms: what the work costs apart from waiting for a core. */
  const childCpuMs = (): number => {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  };
  const cpu = { sandboxed: 0, unsandboxed: 0 };
  const once = async (runner: LocalRunner, command: string): Promise<number> => {
    const t0 = performance.now();
    const r = await runner.run({
      command,
      cwd: path.join(workspace, 'src'),
      env: { PATH },
      timeoutMs: 60_000,
      confinement: { workspace, network: true, limits: { ...DEFAULT_SANDBOX_LIMITS } },
      onLine: () => {},
    });
    if (r.outcome !== 'succeeded') throw new Error(`${command}: ${r.reason}`);
    return performance.now() - t0;
  };
  console.log(`sandbox-start: ${N} runs of each, interleaved; ${machine()}; sandbox identity ${sandbox.identity.kind === 'user' ? `user ${sandbox.identity.name}` : 'user namespace'}`);
  for (const command of ['true', 'node -e 0']) {
    const times = { sandboxed: [] as number[], unsandboxed: [] as number[] };
    for (let i = 0; i < 5; i++) for (const r of Object.values(runners)) await once(r, command); // warm-up
    for (let i = 0; i < N; i++) {
      // Alternate which goes first, so neither always runs right after the other.
      const order = i % 2 === 0 ? (['sandboxed', 'unsandboxed'] as const) : (['unsandboxed', 'sandboxed'] as const);
      for (const k of order) {
        const c0 = childCpuMs();
        times[k].push(await once(runners[k], command));
        cpu[k] += childCpuMs() - c0;
      }
    }
    const s = summary(times.sandboxed);
    const u = summary(times.unsandboxed);
    console.log(`step \`${command}\`: sandboxed median ${ms(s.median, 1)} (p90 ${ms(s.p90, 1)}), unsandboxed median ${ms(u.median, 1)} (p90 ${ms(u.p90, 1)}); added at p50: ${ms(s.median - u.median, 1)}; CPU per step (children, 10 ms ticks averaged): sandboxed ${ms(cpu.sandboxed / N, 1)}, unsandboxed ${ms(cpu.unsandboxed / N, 1)}`);
    cpu.sandboxed = 0;
    cpu.unsandboxed = 0;
  }
});
