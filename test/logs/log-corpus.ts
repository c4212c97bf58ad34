// Realistic mixed log lines from a fixed seed: JSON lines with levels, access-log lines, stack
// traces, build output; two projects, several environments, services, runs and streams, times
// slightly out of id order. Used by the LogStore contract and by bench/logs (~150 bytes a line).
import type { LogLevel, NewLogEntry } from '../../src/logs/log-store.ts';
import { mulberry32 } from '../analysis/synthetic.ts';

const base = Date.UTC(2025, 0, 1, 0, 0, 0);
const paths = ['/api/orders', '/api/users', '/healthz', '/static/app.js', '/api/cart/items', '/login', '/api/search'];
const agents = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'Go-http-client/1.1', 'kube-probe/1.30'];
const messages = ['request completed', 'cache miss for key', 'db query slow', 'connection timeout to upstream', 'user signed in', 'job finished', 'retrying payment webhook', 'rate limit exceeded'];
const jsonLevels: LogLevel[] = ['debug', 'info', 'info', 'info', 'info', 'warn', 'error', 'fatal', 'trace'];
const frames = ['Socket.<anonymous> (/app/node_modules/pg/lib/client.js:132:17)', 'processTicksAndRejections (node:internal/process/task_queues:95:5)', 'OrderService.create (/app/dist/orders/service.js:48:11)', 'async Router.handle (/app/dist/http/router.js:210:7)'];
const build = ['> tsc -p tsconfig.build.json', 'npm warn deprecated inflight@1.0.6: This module is not supported', 'added 412 packages, and audited 413 packages in 9s', 'webpack 5.91.0 compiled successfully in 2345 ms', 'PASS test/orders.test.ts (1.2 s)', 'npm error code ELIFECYCLE'];

export function corpus(n: number, seed: number, startSeconds = seed * n): NewLogEntry[] {
  const r = mulberry32(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: NewLogEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(base + (startSeconds + i + Math.floor(r() * 5)) * 1000).toISOString();
    const project = r() < 0.6 ? 'shop' : 'blog';
    const kind = r();
    const id = Math.floor(r() * 100000);
    const ms = Math.floor(r() * 900);
    if (kind < 0.15) {
      out.push({ at, source: 'step', project, environment: null, release: null, runId: `run-${seed % 3}`, stepId: `build.${i % 3}`, service: null, instance: null, stream: r() < 0.8 ? 'stdout' : 'stderr', level: null, text: `${pick(build)} [${id}]` });
      continue;
    }
    const environment = pick(['production', 'production', 'staging', 'pr-42']);
    const service = r() < 0.7 ? 'web' : 'worker';
    const instance = `${project}.${environment}.${service}.r7.${1 + (i % 2)}`;
    const common = { at, project, environment, release: 7, runId: null, stepId: null, service, instance } as const;
    if (kind < 0.55) {
      const level = pick(jsonLevels);
      const traceId = Math.floor(r() * 2 ** 52).toString(16).padStart(13, '0') + id.toString(16).padStart(5, '0');
      const text = JSON.stringify({ level, time: at, msg: pick(messages), reqId: `req-${id.toString(36)}`, traceId, ms, path: pick(paths), user: `u${id % 977}`, region: pick(['eu-west-1', 'us-east-2']) });
      out.push({ ...common, source: 'instance', stream: 'stdout', level, text });
    } else if (kind < 0.85) {
      const method = pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']);
      const status = pick([200, 200, 200, 201, 204, 301, 404, 500, 503]);
      const text = `10.0.${id % 256}.${ms % 256} - - [${at}] "${method} ${pick(paths)}/${id} HTTP/1.1" ${status} ${ms * 7} "https://shop.example.com${pick(paths)}" "${pick(agents)}" ${ms}ms`;
      out.push({ ...common, source: r() < 0.5 ? 'router' : 'instance', stream: 'access', level: null, text });
    } else {
      const head = i % 4 === 0 ? `Error: connect ETIMEDOUT 10.0.0.${id % 256}:5432 (timeout after ${ms}ms)` : `    at ${pick(frames)}`;
      out.push({ ...common, source: 'instance', stream: 'stderr', level: null, text: head });
    }
  }
  return out;
}
