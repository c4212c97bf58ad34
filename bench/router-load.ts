// Fallback load generator for bench/router.ts when wrk is not installed: N keep-alive
// connections (undici Pool), each running requests back to back for a fixed time. Prints one
// JSON line: { requests, errors, durationMs, p50Us, p99Us }.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    host: { type: 'string', default: 'bench.localhost' },
    connections: { type: 'string', default: '1' },
    'duration-ms': { type: 'string', default: '3000' },
  },
});
if (!values.url) throw new Error('--url is required');
const connections = Number(values.connections);
const durationMs = Number(values['duration-ms']);

const pool = new Pool(values.url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const latenciesUs: number[] = [];
let errors = 0;
const started = performance.now();
const deadline = started + durationMs;

async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    const t0 = performance.now();
    try {
      const res = await pool.request({ path: '/', method: 'GET', headers: { host: values.host } });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
      else latenciesUs.push((performance.now() - t0) * 1000);
    } catch {
      errors++;
    }
  }
}

await Promise.all(Array.from({ length: connections }, loop));
const elapsed = performance.now() - started;
await pool.close();
latenciesUs.sort((a, b) => a - b);
const at = (q: number): number => latenciesUs[Math.min(latenciesUs.length - 1, Math.floor(q * latenciesUs.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ requests: latenciesUs.length + errors, errors, durationMs: elapsed, p50Us: at(0.5), p99Us: at(0.99) })}\n`,
);
