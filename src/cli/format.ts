// Human output helpers: aligned tables and short times.
import { formatDuration } from '../spec/duration.ts';

export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from) return '-';
  const ms = Math.max(0, (to ? Date.parse(to) : Date.now()) - Date.parse(from));
  // Whole seconds beyond one: 1m30s reads better than 1m30s412ms.
  return formatDuration(ms < 1000 ? ms : Math.round(ms / 1000) * 1000);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** How a run is named to people and accepted back as RUN: PROJECT#NUMBER. */
export function runRef(r: { project: string; number: number }): string {
  return `${r.project}#${r.number}`;
}
