// A small time chart in inline SVG: lines (or steps, for values that hold until the next point,
// such as traffic weights) over time, with optional markers (events such as analysis decisions).
// Accessible: the SVG is an image with a title and a description, and `tableId` names the table
// that carries the same figures (the accessible alternative a caller renders beside it). The
// title is shown above the chart too; markers sit in a row under the time axis.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import './line-chart.css';

export interface ChartPoint {
  /** Milliseconds since the epoch. */
  at: number;
  value: number;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  /** 'step': the value holds until the next point (weights); 'line' (default): straight segments. */
  shape?: 'line' | 'step';
}

export interface ChartMarker {
  at: number;
  /** Shown as the marker's tooltip. */
  label: string;
  /** A class suffix for its colour: `marker-pass`, `marker-fail`, … */
  kind?: string;
}

export interface LineChartProps {
  title: string;
  desc: string;
  series: readonly ChartSeries[];
  markers?: readonly ChartMarker[];
  /** The value axis; default 0 and the largest value. */
  yMin?: number;
  yMax?: number;
  /** Appended to axis labels ('%', ' ms'). */
  unit?: string;
  /** The id of the table with the same figures. */
  tableId?: string;
  /** Where the time axis ends (default: the last point or marker), e.g. now for a live rollout. */
  until?: number;
  /** How the time axis's ends are written (default: the UTC clock time); a chart over days gives a date. */
  timeLabel?: (ms: number) => string;
}

const height = 200;
const pad = { left: 44, right: 12, top: 12, bottom: 40 };

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function label(value: number, unit: string): string {
  return `${Number(value.toPrecision(3))}${unit}`;
}

export function LineChart({ title, desc, series, markers = [], yMin = 0, yMax, unit = '', tableId, until, timeLabel = clock }: LineChartProps) {
  const id = useId();
  // Drawn at the width it is shown at, so its text keeps its size on a phone and on a desktop.
  const box = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const times = [...series.flatMap((s) => s.points.map((p) => p.at)), ...markers.map((m) => m.at), ...(until === undefined ? [] : [until])];
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(...times) : 1;
  const top = yMax ?? Math.max(yMin + 1, ...values);
  const x = (at: number): number => pad.left + ((at - t0) / (t1 - t0 || 1)) * (width - pad.left - pad.right);
  const y = (v: number): number => height - pad.bottom - ((v - yMin) / (top - yMin || 1)) * (height - pad.top - pad.bottom);
  const path = (s: ChartSeries): string => {
    const pts = [...s.points].sort((a, b) => a.at - b.at);
    const last = pts[pts.length - 1];
    if (s.shape === 'step' && last && until !== undefined && until > last.at) pts.push({ at: until, value: last.value });
    const f = (n: number): string => n.toFixed(1);
    return pts.map((p, i) => (i === 0 ? `M${f(x(p.at))},${f(y(p.value))}` : s.shape === 'step' ? `H${f(x(p.at))} V${f(y(p.value))}` : `L${f(x(p.at))},${f(y(p.value))}`)).join(' ');
  };
  const ticks = [yMin, (yMin + top) / 2, top];
  return (
    <figure class="line-chart" ref={box}>
      <figcaption>
        <span class="chart-title">{title}</span>
        {series.length > 1 && (
          <span class="legend">
            {series.map((s, i) => (
              <span key={s.name} class="key">
                <svg width="18" height="8" aria-hidden="true">
                  <line class={`series series-${i}`} x1="0" x2="18" y1="4" y2="4" />
                </svg>
                {s.name}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={`${id}-t`} aria-describedby={tableId ? `${id}-d ${tableId}` : `${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{desc}</desc>
        <g class="axis" aria-hidden="true">
          {ticks.map((v) => (
            <g key={v}>
              <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} />
              <text x={pad.left - 6} y={y(v) + 4} text-anchor="end">
                {label(v, unit)}
              </text>
            </g>
          ))}
          {times.length > 0 && (
            <>
              <text x={pad.left} y={height - 4}>
                {timeLabel(t0)}
              </text>
              <text x={width - pad.right} y={height - 4} text-anchor="end">
                {timeLabel(t1)}
              </text>
            </>
          )}
        </g>
        {series.map((s, i) => (s.points.length ? <path key={s.name} class={`series series-${i}`} d={path(s)} /> : null))}
        {markers.map((m, i) => (
          <circle key={`${m.at}-${i}`} class={`marker marker-${m.kind ?? 'plain'}`} cx={x(m.at)} cy={height - pad.bottom + 12} r={4}>
            <title>{m.label}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
