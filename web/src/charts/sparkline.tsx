// A small line of recent values as inline SVG (no chart library): the Overview's requests/s and
// error rate. Gaps (null: no requests, so no error rate) break the line. The figure is also
// given as text, so the chart is decoration for a screen reader (its label says what it shows).
export function Sparkline({ values, label, max, width = 96, height = 24, tone = 'accent' }: { values: ReadonlyArray<number | null>; label: string; max?: number; width?: number; height?: number; tone?: 'accent' | 'bad' }) {
  const known = values.filter((v): v is number => v !== null);
  const top = Math.max(max ?? 0, ...known, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const segments: string[] = [];
  let current = '';
  values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 1 - (v / top) * (height - 2)).toFixed(1);
    current += `${current ? ' L' : 'M'}${x} ${y}`;
  });
  if (current) segments.push(current);
  return (
    <svg class={`sparkline spark-${tone}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} class="spark-base" />
      {segments.map((d, i) => (
        <path key={i} d={d} fill="none" stroke-width="1.5" stroke-linejoin="round" />
      ))}
    </svg>
  );
}
