// The analysis's per-release figures read from Prometheus instead of the router: cumulative
// requests by status class, connect failures and the latency histogram in milliseconds, summed
// over an environment per release — the shape the router's own metrics() has (host '*'), so a
// window is still the difference of two snapshots.
import type { ReleaseMetrics, StatusClass } from '../../router/route-table.ts';
import { fillScope, releasePattern, statusClassOf, type FigureScope, type PromqlPreset } from './promql-presets.ts';
import type { QueryPrometheus, Sample } from './prometheus-query.ts';

/** Label value in a PromQL string literal (backslash and double quote escaped). */
function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

function selectorOf(preset: PromqlPreset, scope: FigureScope): string {
  const matchers = Object.entries(preset.selector).map(([label, value]) => `${label}=${quoted(fillScope(value, scope))}`);
  return `{${matchers.join(',')}}`;
}

/** Bounds come back through float text: milliseconds rounded to a nanosecond. */
const toMs = (value: number, unit: PromqlPreset['durationUnit']): number => Math.round((unit === 'seconds' ? value * 1000 : value) * 1e6) / 1e6;

export class PromqlFigures {
  private readonly query: QueryPrometheus;
  private readonly preset: PromqlPreset;

  constructor(query: QueryPrometheus, preset: PromqlPreset) {
    this.query = query;
    this.preset = preset;
  }

  /** Figures per release of the environment ('r7', 'r7-baseline'), cumulative. */
  async releaseFigures(scope: FigureScope): Promise<Record<string, ReleaseMetrics>> {
    const p = this.preset;
    const sel = selectorOf(p, scope);
    const by = p.releaseLabel;
    const [requests, buckets, sums, failures] = await Promise.all([
      this.query(`sum by (${by}, ${p.statusLabel}) (${p.requests}${sel})`),
      this.query(`sum by (${by}, le) (${p.duration}_bucket${sel})`),
      this.query(`sum by (${by}) (${p.duration}_sum${sel})`),
      p.connectFailures ? this.query(`sum by (${by}) (${p.connectFailures}${sel})`) : Promise.resolve([] as Sample[]),
    ]);
    const pattern = releasePattern(p, scope);
    const out: Record<string, ReleaseMetrics> = {};
    const entry = (s: Sample): ReleaseMetrics | null => {
      const release = pattern.exec(s.labels[by] ?? '')?.[1];
      if (release === undefined) return null;
      return (out[release] ??= { release, host: '*', requests: 0, errors5xx: 0, statusClasses: {}, connectFailures: 0, latency: { bounds: [], counts: [], sum: 0 } });
    };
    for (const s of requests) {
      const m = entry(s);
      const cls: StatusClass | null = statusClassOf(s.labels[p.statusLabel] ?? '', p.statusForm);
      if (!m || !cls) continue;
      m.requests += s.value;
      if (cls === '5xx') m.errors5xx += s.value;
      m.statusClasses![cls] = (m.statusClasses![cls] ?? 0) + s.value;
    }
    const histograms = new Map<ReleaseMetrics, Array<{ le: number; count: number }>>();
    for (const s of buckets) {
      const m = entry(s);
      if (!m) continue;
      const list = histograms.get(m) ?? [];
      list.push({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value });
      histograms.set(m, list);
    }
    for (const [m, list] of histograms) {
      list.sort((a, b) => a.le - b.le);
      m.latency.bounds = list.filter((b) => Number.isFinite(b.le)).map((b) => toMs(b.le, p.durationUnit));
      m.latency.counts = list.map((b) => b.count);
    }
    for (const s of sums) {
      const m = entry(s);
      if (m) m.latency.sum = toMs(s.value, p.durationUnit);
    }
    for (const s of failures) {
      const m = entry(s);
      if (m) m.connectFailures = s.value;
    }
    return out;
  }
}
