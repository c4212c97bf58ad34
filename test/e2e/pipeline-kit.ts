// Helpers shared by the pipeline end-to-end tests: a server with one registered project, run
// waits by id, paged log reads and a /proc scan for step processes.
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { TestRepo, TestServer, terminal, type RunJson } from './harness.ts';

export interface StepJson {
  name: string;
  state: string;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  reason?: string;
}
export type FullRun = Omit<RunJson, 'stages'> & {
  branch: string;
  artifact: string | null;
  attempt: number;
  stages: Array<{ name: string; state: string; startedAt: string | null; finishedAt: string | null; reason?: string; steps: StepJson[] }>;
};
export interface LogJson {
  id: number;
  at: string;
  stream: string;
  line: string;
}

export interface Setup {
  server: TestServer;
  repo: TestRepo;
  name: string;
}

/** A server, a repository holding `files` and the project `name` registered on it; all ended after the test. */
export async function setup(t: TestContext, name: string, files: Record<string, string>, opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<Setup> {
  const server = await TestServer.start(opts.args ?? [], opts.env ?? {});
  const repo = new TestRepo(files);
  t.after(async () => {
    await server.close();
    repo.remove();
  });
  const added = await server.cli(['project', 'add', name, '--repo', repo.dir]);
  if (added.code !== 0) throw new Error(`project add failed: ${added.stderr}`);
  return { server, repo, name };
}

export function getRun(server: TestServer, id: string): Promise<FullRun> {
  return server.json<FullRun>(['run', id]);
}

/** The run as the API gives it (the same JSON `sluice run ID --json` prints), without a CLI process. */
export async function apiRun(server: TestServer, id: string): Promise<FullRun> {
  const { status, body } = await server.api<FullRun>('GET', `/api/runs/${id}`);
  if (status !== 200) throw new Error(`run ${id}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits for the run with this id to reach a terminal state (polling the API: cheap). */
export async function waitId(server: TestServer, id: string, timeoutMs = 60_000): Promise<FullRun> {
  return server.waitFor(
    `run ${id} to end`,
    async () => {
      const r = await apiRun(server, id);
      return terminal.has(r.state) ? r : null;
    },
    timeoutMs,
  );
}

/** The newest run of the project matching `pred`, once there is one. */
export async function firstRun(server: TestServer, name: string, pred: (r: FullRun) => boolean = () => true): Promise<FullRun> {
  return server.waitFor(`a run of ${name}`, async () => {
    const { status, body } = await server.api<FullRun[]>('GET', `/api/projects/${name}/runs`);
    return status === 200 ? body.find(pred) : null;
  });
}

/** Every log line of a run, read page by page through the API. */
export async function allLogs(server: TestServer, id: string): Promise<LogJson[]> {
  const out: LogJson[] = [];
  let after = 0;
  for (let page = 0; page < 1000; page++) {
    const { status, body } = await server.api<LogJson[]>('GET', `/api/runs/${id}/logs?after=${after}&limit=50000`);
    if (status !== 200) throw new Error(`logs of ${id}: HTTP ${status}`);
    if (body.length === 0) return out;
    out.push(...body);
    after = body[body.length - 1]!.id;
  }
  throw new Error('too many log pages');
}

export function stageOf(run: FullRun, name: string): FullRun['stages'][number] {
  const s = run.stages.find((x) => x.name === name);
  if (!s) throw new Error(`run ${run.id} has no stage ${name}: ${JSON.stringify(run.stages)}`);
  return s;
}

/**
 * Pids of host processes whose argv is exactly `argv` and that are steps of the server on the
 * data directory `dir`: their cwd is under it (unsandboxed), or (sandboxed: their cwd is
 * /workspace/…) their SLUICE_RUN_ID names a run whose workspace is in it.
 */
export function processesIn(dir: string, argv: string[]): number[] {
  const root = fs.realpathSync(dir);
  let runs: string[] = [];
  try {
    runs = fs.readdirSync(path.join(root, 'workspaces'));
  } catch {
    // no run has a workspace
  }
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (cmd.join('\0') !== argv.join('\0')) continue;
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (cwd === root || cwd.startsWith(root + path.sep) || runs.some((id) => env.includes(`SLUICE_RUN_ID=${id}`))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}
