// The search load that runs beside bench/logs' ingest: a worker thread with its own connection to
// the log database, searching in a loop (a token in a time window, then a substring) until told to
// stop; it answers with how many searches it made and their latencies.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteLogStore } from '../src/logs/sqlite/sqlite-log-store.ts';

const { file, startMs } = workerData as { file: string; startMs: number };
const store = openSqliteLogStore(file);
let stop = false;
parentPort!.once('message', () => {
  stop = true;
});
const tokens = ['timeout', 'error', 'POST', 'login'];
const substrings = ['ETIMEDOUT 10.0.0.1', 'req-1a', 'Firefox/12', '/api/cart/items/4'];
const latencies: number[] = [];
let i = 0;
while (!stop) {
  const since = new Date(startMs + (i % 50) * 3_600_000).toISOString();
  const until = new Date(startMs + ((i % 50) + 1) * 3_600_000).toISOString();
  const t0 = performance.now();
  try {
    if (i % 2 === 0) await store.search({ text: { tokens: [tokens[i % tokens.length]!] }, since, until, limit: 100 });
    else await store.search({ text: { substrings: [substrings[i % substrings.length]!] }, limit: 100 });
    latencies.push(performance.now() - t0);
  } catch {
    // the tables may not exist yet at the very start
  }
  i++;
  // People searching: ten searches a second at most, not a tight loop taking the writer's core.
  await new Promise((r) => setTimeout(r, 100));
}
await store.close();
parentPort!.postMessage(latencies);
