// Tables for bench/router.ts: plain text for the terminal, Markdown for bench/RESULTS-router.md.
import type { SwitchResult } from './router-switch.ts';

export interface Row {
  name: 'direct' | 'sluice' | 'nginx';
  rps: number[];
  p50Us: number[];
  p99Us: number[];
  /** CPU µs per request of the target's own process, at 50 and at 1 connection. */
  cpu50: number[];
  cpu1: number[];
  /** The kernel (stime) part of cpu50 / cpu1. */
  sys50: number[];
  sys1: number[];
  errors: number;
}

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  kernel: string;
  node: string;
  nginx: string | undefined;
  generator: string;
  repeats: number;
  tputSeconds: number;
  latSeconds: number;
  connections: number;
  /** 1-minute load average at start and end: other work on the machine skews everything. */
  loadStart: number;
  loadEnd: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fix = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');

function cells(m: Machine, rows: readonly Row[]): string[][] {
  const header = ['target', `req/s @${m.connections}c`, `(min–max)`, 'p50 @1c µs', 'p99 @1c µs', `CPU µs/req @${m.connections}c (sys)`, 'CPU µs/req @1c (sys)', 'errors'];
  const body = rows.map((r) => [
    r.name === 'direct' ? 'direct (CPU: backend)' : r.name === 'sluice' ? 'sluice EdgeRouter' : 'nginx',
    int(median(r.rps)),
    `${int(Math.min(...r.rps))}–${int(Math.max(...r.rps))}`,
    int(median(r.p50Us)),
    int(median(r.p99Us)),
    `${fix(median(r.cpu50))} (${fix(median(r.sys50))})`,
    `${fix(median(r.cpu1))} (${fix(median(r.sys1))})`,
    String(r.errors),
  ]);
  return [header, ...body];
}

interface Derived {
  sluiceVsNginx: number;
  sluiceVsDirect: number;
  addedSluiceUs: number;
  addedNginxUs: number;
  cpuSluice: number;
  cpuNginx: number;
  userSluice: number;
  userNginx: number;
}

function derive(rows: readonly Row[]): Derived {
  const get = (name: Row['name']): Row | undefined => rows.find((r) => r.name === name);
  const d = get('direct')!;
  const s = get('sluice')!;
  const n = get('nginx');
  return {
    sluiceVsNginx: n ? median(s.rps) / median(n.rps) : Number.NaN,
    sluiceVsDirect: median(s.rps) / median(d.rps),
    addedSluiceUs: median(s.p50Us) - median(d.p50Us),
    addedNginxUs: n ? median(n.p50Us) - median(d.p50Us) : Number.NaN,
    cpuSluice: median(s.cpu50),
    cpuNginx: n ? median(n.cpu50) : Number.NaN,
    userSluice: median(s.cpu50) - median(s.sys50),
    userNginx: n ? median(n.cpu50) - median(n.sys50) : Number.NaN,
  };
}

function switchCells(results: readonly SwitchResult[]): string[][] {
  return [
    ['route change', 'switches', 'median ms', 'max ms', 'setRoutes() µs (median)', 'requests', 'failed', 'no switch in 2 s'],
    ...results.map((r) => [
      r.mode === 'weights' ? 'weights 100/0 ⇄ 0/100' : 'replace release A ⇄ B',
      String(r.switches),
      fix(median(r.applyMs), 2),
      fix(Math.max(...r.applyMs), 2),
      fix(median(r.setRoutesUs), 0),
      int(r.requests),
      String(r.failures),
      String(r.timeouts),
    ]),
  ];
}

function summary(m: Machine, rows: readonly Row[], results: readonly SwitchResult[]): string {
  const d = derive(rows);
  const s = rows.find((r) => r.name === 'sluice')!;
  const apply = results.flatMap((r) => r.applyMs);
  const failed = results.reduce((n, r) => n + r.failures + r.timeouts, 0);
  const vsNginx = Number.isFinite(d.sluiceVsNginx) ? `${fix(d.sluiceVsNginx, 2)}× nginx's throughput, ` : '';
  return (
    `Summary: Sluice router ${int(median(s.rps))} req/s @${m.connections}c = ${vsNginx}${fix(d.sluiceVsDirect, 2)}× direct; ` +
    `+${int(d.addedSluiceUs)} µs p50 vs direct; ${fix(d.cpuSluice)} µs CPU/req; ` +
    `route change live in ${fix(median(apply), 2)} ms median (max ${fix(Math.max(...apply), 2)} ms), ${failed} failed requests while switching.`
  );
}

function ratioLines(rows: readonly Row[]): string[] {
  const d = derive(rows);
  const lines = [`sluice/direct throughput: ${fix(d.sluiceVsDirect, 2)}`];
  if (Number.isFinite(d.sluiceVsNginx)) lines.unshift(`sluice/nginx throughput: ${fix(d.sluiceVsNginx, 2)}`);
  lines.push(`added p50 latency vs direct: sluice +${int(d.addedSluiceUs)} µs` + (Number.isFinite(d.addedNginxUs) ? `, nginx +${int(d.addedNginxUs)} µs` : ''));
  if (Number.isFinite(d.cpuNginx)) {
    lines.push(`CPU per proxied request: sluice ${fix(d.cpuSluice)} µs, nginx ${fix(d.cpuNginx)} µs (${fix(d.cpuSluice / d.cpuNginx)}×)`);
    lines.push(`  of which user space: sluice ${fix(d.userSluice)} µs, nginx ${fix(d.userNginx)} µs (kernel work is similar; the gap is node http + undici in user space)`);
  }
  return lines;
}

function machineLine(m: Machine): string {
  return (
    `nproc ${m.nproc} (${m.cpu}), Linux ${m.kernel}, node ${m.node}, ${m.nginx ? `nginx ${m.nginx}` : 'no nginx'}, load generator ${m.generator}, ` +
    `load average ${fix(m.loadStart, 2)} → ${fix(m.loadEnd, 2)}`
  );
}

function methodLine(m: Machine): string {
  return `medians of ${m.repeats} interleaved repeats; throughput: ${m.connections} connections × ${m.tputSeconds} s; latency: 1 connection × ${m.latSeconds} s; all on 127.0.0.1, 2 node:http backends answering 'hello\\n'`;
}

function textTable(grid: string[][]): string {
  const widths = grid[0]!.map((_, c) => Math.max(...grid.map((row) => row[c]!.length)));
  return grid.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function markdownTable(grid: string[][]): string {
  const [header, ...body] = grid;
  const line = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [line(header!), line(header!.map((_, c) => (c === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

export function renderText(m: Machine, rows: readonly Row[], results: readonly SwitchResult[]): string {
  return [
    `Sluice edge router benchmark, ${m.date}`,
    machineLine(m),
    methodLine(m),
    '',
    textTable(cells(m, rows)),
    '',
    ...ratioLines(rows),
    '',
    'Route change apply time: 1 keep-alive connection looping GET / through the router; from sending',
    'setRoutes to the router process (IPC) until the first response served by the new backend.',
    textTable(switchCells(results)),
    '',
    summary(m, rows, results),
  ].join('\n');
}

export function renderMarkdown(m: Machine, rows: readonly Row[], results: readonly SwitchResult[]): string {
  return [
    '# Edge router benchmark',
    '',
    `Run \`bench/router\` from the repository root (about 2 minutes). Figures from ${m.date.slice(0, 10)} on: ${machineLine(m)}.`,
    '',
    `Method: ${methodLine(m)}. CPU is utime+stime of the proxy process from /proc (nginx: its one worker; direct: the backend) divided by requests served; in brackets the kernel (stime) part. ` +
      'Everything (load generator, proxy, backends) shares the same cores, so absolute numbers are lower than on a dedicated proxy host; the ratios are the point. Other work on the machine (see the load average) adds noise: the min–max column shows the spread across repeats.',
    '',
    markdownTable(cells(m, rows)),
    '',
    ...ratioLines(rows).map((l) => `- ${l.trim()}`),
    '',
    '## Route change apply time',
    '',
    `One keep-alive connection loops \`GET /\` through the router while the route is switched ${results[0]?.switches ?? 0} times between release A (backend A) and release B (backend B); ` +
      'time from sending `setRoutes` to the router process (Node IPC) until the first response served by the new backend. ' +
      '“weights” keeps both releases in the table and flips the weights; “replace” removes the old release (its pool closes, so switching back opens a new upstream connection).',
    '',
    markdownTable(switchCells(results)),
    '',
    summary(m, rows, results),
    '',
  ].join('\n');
}
