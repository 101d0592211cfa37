import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartProps } from './chart';

const COLORS = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b'];

function format(unit: ChartProps['unit'], v: number | null): string {
  if (v === null) return '–';
  if (unit === 'usd') return `$${v.toFixed(v !== 0 && Math.abs(v) < 0.01 ? 4 : 2)}`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(Math.round(v * 100) / 100);
}

/** The uPlot chart behind `Chart`: bars for one series, lines for several. Resizes with its box. */
const DAY_S = 86_400;

/** Ticks on bucket boundaries: whole days (labelled as UTC dates, like the buckets) or hours. */
function xAxis(interval: ChartProps['interval'], stroke: string): uPlot.Axis {
  const grid = { stroke: '#8883' };
  if (interval === 'day') {
    return { stroke, grid, incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 30 * DAY_S], values: (_u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)) };
  }
  return { stroke, grid, incrs: [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY_S], values: (_u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false })) };
}

export default function Plot({ data, unit, interval }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = getComputedStyle(el).color;
    const bars = data.series.length === 1 ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: 220,
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length],
          fill: bars ? `${COLORS[i % COLORS.length]}99` : undefined,
          width: 2,
          paths: bars,
          points: { show: !bars },
          value: (_u: uPlot, v: number | null) => format(unit, v),
        })),
      ],
      axes: [
        xAxis(interval, axisColor),
        { stroke: axisColor, grid: { stroke: '#8883' }, values: (_u, vals) => vals.map((v) => format(unit, v)), size: 70 },
      ],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    };
    const plot = new uPlot(opts, [data.x, ...data.series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, unit, interval]);
  return <div ref={box} className="plot" />;
}
