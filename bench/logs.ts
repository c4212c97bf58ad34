// bench/logs: the SQLite log store on N lines (default 1M, ~140 MB) of realistic mixed output
// (test/logs/log-corpus.ts, fixed seeds). Ingest with the index while a search load runs in a
// worker thread (the store's own index worker beside it), then token + time-range and substring searches, against anchors measured in the
// same run: plain and per-line FTS5 inserts and the store's layout before decision 0027
// (bench/logs-anchors.ts), grep and rg over the raw file.
// `--write` puts the report in bench/RESULTS-logs.md.
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { benchMain, execFileAsync, machine, median, quantile } from './bench-kit.ts';
import { anchorKinds, anchorRate } from './logs-anchors.ts';
import { corpus } from '../test/logs/log-corpus.ts';
import { openSqliteLogStore } from '../src/logs/sqlite/sqlite-log-store.ts';
import type { LogSearch } from '../src/logs/log-store.ts';

const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = numberArg('--lines', 1_000_000);
const batchSize = numberArg('--batch', 5000);
const chunk = 10_000;
const startMs = Date.UTC(2025, 0, 1);
const chunkOf = (i: number) => corpus(chunk, 1000 + i, i * chunk);
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const k = (rate: number): string => `${(rate / 1000).toFixed(1)}k lines/s`;

async function timeCommand(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  // grep exits 1 when nothing matches: a finished scan all the same.
  await execFileAsync(cmd, args, { maxBuffer: 1 << 30 }).catch((e: { code?: number }) => {
    if (e.code !== 1) throw e;
  });
  return performance.now() - t0;
}

function searchTimes(run: (q: LogSearch) => Promise<unknown>, queries: LogSearch[], rounds: number): Promise<number[]> {
  return (async () => {
    const times: number[] = [];
    for (let r = 0; r < rounds; r++)
      for (const q of queries) {
        const t0 = performance.now();
        await run(q);
        times.push(performance.now() - t0);
      }
    return times;
  })();
}

await benchMain('bench/logs', 30 * 60_000, async (onCleanup) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-logs-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const out: string[] = [];
  const say = (s: string): void => {
    console.log(s);
    out.push(s);
  };
  const chunks = Math.ceil(total / chunk);

  // The raw file for grep and rg.
  const raw = join(dir, 'raw.log');
  const rawOut = createWriteStream(raw);
  for (let i = 0; i < chunks; i++) rawOut.write(`${chunkOf(i).map((e) => e.text).join('\n')}\n`);
  await new Promise((r) => rawOut.end(r));
  const rawBytes = statSync(raw).size;

  // Anchors on the first 200k lines, in batches of the same size.
  const anchorLines = chunkOf(0).concat(...Array.from({ length: Math.min(chunks, 20) - 1 }, (_, i) => chunkOf(i + 1)));
  const anchorBatches = Array.from({ length: Math.ceil(anchorLines.length / batchSize) }, (_, i) => anchorLines.slice(i * batchSize, (i + 1) * batchSize));
  const anchors = anchorKinds.map((kind) => ({ kind, rate: anchorRate(dir, kind, anchorBatches) }));

  // Ingest with the search load beside it.
  const file = join(dir, 'logs.db');
  const store = openSqliteLogStore(file);
  await store.migrate();
  // A worker does not inherit tsx's loader on Node 20: it registers it, then loads the TypeScript.
  const loadUrl = new URL('./logs-search-load.ts', import.meta.url).href;
  const load = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(loadUrl)}); })`, { eval: true, workerData: { file, startMs } });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let appendMs = 0;
  const batchMs: number[] = [];
  for (let i = 0; i < chunks; i++) {
    const lines = chunkOf(i);
    for (let j = 0; j < lines.length; j += batchSize) {
      const t0 = performance.now();
      await store.append(lines.slice(j, j + batchSize));
      const took = performance.now() - t0;
      appendMs += took;
      batchMs.push(took);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
  }
  // The word index is built by a worker thread (docs/decisions/0036-log-index-worker.md): ingest
  // counts until it has caught up, so the rate is one the index sustains.
  const drainStart = performance.now();
  await store.indexed();
  const drainMs = performance.now() - drainStart;
  appendMs += drainMs;
  const loadDone = new Promise<number[]>((resolve) => load.once('message', resolve));
  load.postMessage('stop');
  const loadTimes = await loadDone;
  await load.terminate();
  const ingestRate = (chunks * chunk) / (appendMs / 1000);
  const stats = await store.stats();

  // Searches on the full store, nothing else running.
  const tokens = ['timeout', 'error', 'POST', 'login', 'ETIMEDOUT', 'completed'];
  const windowQueries: LogSearch[] = tokens.flatMap((t, i) => [3, 47, 130, 222].map((h) => ({ text: { tokens: [t] }, since: new Date(startMs + (h + i) * 3_600_000).toISOString(), until: new Date(startMs + (h + i + 1) * 3_600_000).toISOString(), limit: 100 })));
  const substrings = ['ETIMEDOUT 10.0.0.17', 'req-1a2', 'Firefox/128.0', '/api/cart/items/4242', 'ms":41', '404 2'];
  const subQueries: LogSearch[] = substrings.map((s) => ({ text: { substrings: [s] }, limit: 100 }));
  const tokenTimes = await searchTimes((q) => store.search(q), windowQueries, 3);
  const subTimes = await searchTimes((q) => store.search(q), subQueries, 5);
  const grepTimes: number[] = [];
  const rgTimes: number[] = [];
  for (let r = 0; r < 3; r++)
    for (const s of substrings.slice(0, 3)) {
      grepTimes.push(await timeCommand('grep', ['-F', '-i', '-c', s, raw]));
      rgTimes.push(await timeCommand('rg', ['-F', '-i', '-c', s, raw]));
    }
  await store.close();

  const p = (xs: number[]): string => `p50 ${median(xs).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms`;
  say(`## bench/logs · ${machine()}`);
  say('');
  say(`${chunks * chunk} lines (${mib(rawBytes)} of text, ${(rawBytes / (chunks * chunk)).toFixed(0)} bytes a line) from test/logs/log-corpus.ts, appended in batches of ${batchSize}; anchors on the first ${anchorLines.length} lines in the same batches.`);
  say('');
  say('| figure | measured | target | anchors (same run) |');
  say('|---|---|---|---|');
  say(`| ingest with the index, while a search load runs | **${k(ingestRate)}** (batch p50 ${median(batchMs).toFixed(0)} ms, p90 ${quantile(batchMs, 0.9).toFixed(0)} ms; the index caught up ${drainMs.toFixed(0)} ms after the last batch, counted) | ≥ 100k lines/s | ${anchors.map((a) => `${a.kind}: ${k(a.rate)}`).join('; ')} |`);
  say(`| token + 1 h time range, limit 100 (${windowQueries.length} queries × 3) | **${p(tokenTimes)}** | p50 ≤ 10 ms | |`);
  say(`| substring, limit 100 (${subQueries.length} substrings × 5) | **${p(subTimes)}** | p50 ≤ 50 ms | grep -F -i -c over the raw file: p50 ${median(grepTimes).toFixed(0)} ms; rg -F -i -c: p50 ${median(rgTimes).toFixed(0)} ms |`);
  say(`| resident memory of the process under full ingest | peak ${mib(rssPeak)} (${mib(rssPeak - rssBefore)} above the start, which holds the bench's own code and one chunk of lines) | reported | |`);
  say(`| search load during ingest | ${loadTimes.length} searches, ${p(loadTimes)} | | |`);
  say(`| on disk | ${mib(stats.bytesOnDisk)} for ${mib(rawBytes)} of text (×${(stats.bytesOnDisk / rawBytes).toFixed(2)}) | | |`);
  if (process.argv.includes('--write')) writeFileSync(new URL('./RESULTS-logs.md', import.meta.url), `# bench/logs results\n\n${out.join('\n')}\n`);
});
