import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartProps } from './chart';
import { seriesColor } from './series-color';

/** A value for the axis and legend; dollars under $1 keep two significant digits ($0.00030, not $0.00). */
export function formatValue(unit: ChartProps['unit'], v: number): string {
  if (unit === 'usd') {
    if (v === 0) return '$0';
    const decimals = v >= 1 ? 2 : Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(v))));
    return `$${v.toFixed(decimals)}`;
  }
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(Math.round(v * 100) / 100);
}

const DAY_S = 86_400;

function bucketLabel(interval: ChartProps['interval'], t: number): string {
  const d = new Date(t * 1000);
  if (interval === 'day') return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return d.toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/** Ticks on bucket boundaries: whole days (UTC dates, like the buckets) or hours in local time. */
function xAxis(interval: ChartProps['interval'], stroke: string): uPlot.Axis {
  const grid = { stroke: '#8883' };
  if (interval === 'day') {
    return { stroke, grid, space: 50, incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 30 * DAY_S], values: (_u, vals) => vals.map((v) => bucketLabel('day', v)) };
  }
  return {
    stroke,
    grid,
    space: 50,
    incrs: [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY_S],
    values: (_u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false })),
  };
}

/**
 * The uPlot chart behind `Chart`: stacked bars per bucket (a sparse series is a few bars, not
 * lone dots), the y range from the data, and a legend of its own that shows each series'
 * window total, or the hovered bucket's values.
 */
export default function Plot({ data, unit, interval }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const stackMax = Math.max(0, ...data.x.map((_, i) => data.series.reduce((n, s) => n + (s.values[i] ?? 0), 0)));

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = getComputedStyle(el).color;
    // Stacked: each series is drawn from the sum of those before it, the first on top.
    const stacked: number[][] = [];
    data.series.forEach((s, k) => stacked.push(s.values.map((v, i) => v + (k > 0 ? stacked[k - 1]![i]! : 0))));
    // An empty bucket draws nothing (a zero-height bar would still stroke a line).
    const drawn = stacked.map((col, k) => col.map((v, i) => (data.series[k]!.values[i] === 0 ? null : v)));
    const bars = uPlot.paths.bars?.({ size: [0.8, 48], align: 1 });
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: 220,
      legend: { show: false },
      cursor: { points: { show: false } },
      // Tallest stack first, so each smaller one is drawn over it.
      series: [{}, ...[...data.series].reverse().map((s) => ({ label: s.label, stroke: seriesColor(s.label), fill: `${seriesColor(s.label)}cc`, width: 1, paths: bars, points: { show: false } }))],
      axes: [xAxis(interval, axisColor), { stroke: axisColor, grid: { stroke: '#8883' }, values: (_u, vals) => vals.map((v) => formatValue(unit, v)), size: unit === 'usd' ? 86 : 60 }],
      scales: {
        // The window's buckets, plus one so the last bar has room.
        x: { time: true, range: () => [data.x[0]!, data.x[data.x.length - 1]! + (interval === 'day' ? DAY_S : 3600)] },
        y: { range: () => [0, stackMax > 0 ? stackMax * 1.15 : 1] },
      },
      hooks: { setCursor: [(u) => setHover(u.cursor.idx ?? null)] },
    };
    const plot = new uPlot(opts, [data.x, ...drawn.reverse()], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, unit, interval, stackMax]);

  const value = (s: ChartProps['data']['series'][number]) => (hover === null ? s.values.reduce((a, b) => a + b, 0) : (s.values[hover] ?? 0));
  return (
    <>
      <div ref={box} className="plot" />
      <ul className="legend" data-testid="chart-legend">
        <li className="muted" data-testid="legend-when">{hover === null ? 'whole window' : bucketLabel(interval, data.x[hover]!)}</li>
        {data.series.map((s) => (
          <li key={s.label} data-testid="legend-item">
            <span className="swatch" style={{ background: seriesColor(s.label) }} data-color={seriesColor(s.label)} /> {s.label}: <strong>{formatValue(unit, value(s))}</strong>
          </li>
        ))}
      </ul>
    </>
  );
}
