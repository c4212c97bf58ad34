// A real Prometheus (Debian's /usr/bin/prometheus) on loopback for a test: one scrape job, a
// 1 s interval, its data in a temporary directory; stop() ends the process this kit started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../wait-for.ts';

export const prometheusBinary = '/usr/bin/prometheus';

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts Prometheus scraping `target` (host:port) at /metrics, with a bearer token when given;
 * resolves once it is ready. `port`: where it listens (chosen before, e.g. for a server's
 * --prometheus; default a free one).
 */
export async function startPrometheus(target: string, opts: { bearerToken?: string; deadlineMs?: number; port?: number } = {}): Promise<RunningPrometheus> {
  const deadlineMs = opts.deadlineMs ?? 30_000;
  const dir = await mkdtemp(join(tmpdir(), 'sluice-prometheus-'));
  const tokenFile = join(dir, 'token');
  if (opts.bearerToken !== undefined) await writeFile(tokenFile, opts.bearerToken, { mode: 0o600 });
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: sluice',
    '    metrics_path: /metrics',
    ...(opts.bearerToken === undefined ? [] : ['    authorization:', '      type: Bearer', `      credentials_file: ${tokenFile}`]),
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    prometheusBinary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    await stopped(child);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within ${deadlineMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once Prometheus has scraped its one target successfully (its health `up`). */
export async function waitScraped(prometheus: RunningPrometheus, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'Prometheus to scrape Sluice successfully',
    async () => {
      const res = await fetch(`${prometheus.url}/api/v1/targets`).catch(() => null);
      if (!res?.ok) return false;
      const body = (await res.json()) as { data: { activeTargets: Array<{ health: string }> } };
      return body.data.activeTargets[0]?.health === 'up';
    },
    timeoutMs,
  );
}
